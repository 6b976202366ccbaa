// The public API of @prepkit/record-io lands with its issue; see README.md for what it will do.
export {};
