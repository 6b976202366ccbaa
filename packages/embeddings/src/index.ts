// The public API of @prepkit/embeddings lands with its issue; see README.md for what it will do.
export {};
