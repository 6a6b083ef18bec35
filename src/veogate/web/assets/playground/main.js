// The playground: see docs/playground.md.
