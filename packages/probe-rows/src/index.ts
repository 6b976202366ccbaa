// The public API of @prepkit/probe-rows lands with its issue; see README.md for what it will do.
export {};
