// The public API of @prepkit/market-samples lands with its issue; see README.md for what it will do.
export {};
