"""Credits: prices, each key's balance and limits, and the append-only ledger
(`../shared/spec/ledger.md`, docs/relay.md)."""
