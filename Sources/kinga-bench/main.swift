import ArgumentParser

/// `kinga-bench`: how fast Kinga finds a case in a large archive, plaintext and encrypted (SQLCipher) side by
/// side, and beside the sqlite3 shell (the floor: the same SQL, no application around it) and `fzf --filter`
/// (a peer: a fast fuzzy finder over a text export of the same records). Issues #6 and #17. Figures are
/// reported, never asserted.
///
/// The subcommands live in their own files: `Run` (Run.swift, Measurements.swift), `Session` (Session.swift),
/// `ShowSQL`, `Generate` and `Keys` (Tools.swift), `SyncBench` (the district link, SyncBench.swift); archives in
/// Archive.swift, results in Results.swift, the
/// table in Table.swift.
struct KingaBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "kinga-bench",
        abstract: "Measure search, scrolling, first frame and memory at 10,000 to 1,000,000 fictional cases.",
        discussion: """
            Generates (once, then reuses) deterministic fictional archives under --data-dir, each with an
            encrypted twin (the same archive encrypted as Kinga encrypts a database made before encryption at
            rest), then for each size, plaintext and encrypted one after the other: the first frame of the case
            list (headless, and the real binary in tmux), the unlock, per-keystroke search latency for a fixed set
            of queries, page-down latency near the top and deep in the list, frame render time, peak memory and
            a full export; the same searches in the sqlite3 shell and in fzf --filter (plaintext only), with
            ratios. Prints a table and writes JSON.
            """,
        subcommands: [Run.self, Session.self, ShowSQL.self, Generate.self, Keys.self, SyncBench.self, Simulate.self],
        defaultSubcommand: Run.self
    )
}

KingaBench.main()
