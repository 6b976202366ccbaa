// The public API of @prepkit/discord-dataset lands with its issue; see README.md for what it will do.
export {};
