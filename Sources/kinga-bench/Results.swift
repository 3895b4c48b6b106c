import Foundation
import Harness
import Model

/// The pinned "now" of every benchmark archive (dates in the data are relative to it).
let benchNow = ISO8601.parse("2026-11-01T09:00:00Z")!
/// The fixed clock (UTC) every benchmark store and session runs on.
let benchClock = Clock.fixed(benchNow, timeZone: TimeZone(identifier: "UTC")!)
/// The user the benchmark logs in as (administrator and supervisor; sorted first on the login screen).
let benchUser = "Bench Supervisor"
/// Every benchmark user's PIN (kept by the encryption of the twin: slots are made from the stored PIN hashes).
let benchPIN = "902134"
/// Rows the case list loads when its results change (twice a 20-row page), so the floor runs the same.
let pageRows = 40

/// The fixed queries, typed one character at a time: (kind, text).
let benchQueries: [(kind: String, text: String)] = [
    ("name prefix", "jos"), ("name prefix", "chil"), ("name prefix", "mwila ban"), ("name prefix", "siti rah"),
    ("accented name", "josé"), ("accented name", "zoë"), ("accented name", "núñez"), ("accented name", "hélène"),
    ("case number", "KG-2024-0042"), ("case number", "2023-1234"), ("case number", "777"),
    ("report words", "quarry"), ("report words", "married harvest"), ("report words", "flood camp"), ("report words", "border"),
    ("other script", "ана"), ("other script", "ليلى"),
]

/// One query's per-keystroke timings (milliseconds) in Kinga, and in the sqlite3 shell and fzf (plaintext only).
struct QueryResult: Codable {
    var kind: String
    var query: String
    var kinga: Stats
    var sqlite3: Stats?
    var fzf: Stats?
    /// What the list said after the last keystroke (for example "More than 1,000 cases match").
    var kingaSaid: String
}

/// What one headless `Session` measured: times in milliseconds, memory in MB (MiB, from `getrusage` and
/// `/proc`, as everywhere in this tool).
struct SessionResult: Codable {
    /// First frame of the home screen, from process start, the PIN check (plaintext) or the unlock
    /// (encrypted) left out.
    var firstFrameHomeMs: Double
    /// First frame of the case list, from process start, the PIN check or unlock left out.
    var firstFrameCaseListMs: Double
    var renderMs: Stats
    var queries: [QueryResult]
    var pageDownTopMs: Stats
    var pageDownDeepMs: Stats
    var endKeyMs: Double
    var filtersMs: [String: Stats]
    var peakRSSMB: Double
    /// Milliseconds from the process start until the database was open (program loading and opening). For an
    /// encrypted archive: until the locked kiosk was found (the opening itself is part of `unlockMs`).
    var storeOpenMs: Double
    /// Milliseconds spent reading the language catalogues (libgettextpo), part of the first frame.
    var cataloguesMs: Double
    /// Resident memory after loading the program and opening the database, and after the first frame.
    var rssAtStartMB: Double
    var rssAfterFirstFrameMB: Double
    /// True when the session opened the encrypted twin (nil in files from before issue #17).
    var encrypted: Bool?
    /// The person's wait after typing the PIN, in ms: plaintext, the PIN check (Argon2id against the stored
    /// hash); encrypted, the PIN check, the key unwrap and opening the database (`LockedKiosk.unlock`).
    var unlockMs: Double?
    /// Encrypted: of `unlockMs`, the key-slot file's Argon2id and key unwrap alone, in ms (timed once more at the
    /// end of the session); the rest is opening the database and beginning the session.
    var unlockKeyMs: Double?
    /// First frame of the home screen and of the case list, measured from the moment the PIN was accepted
    /// (login or unlock returned), in ms: the "≤ 150 ms after the PIN is accepted" figure.
    var firstFrameHomeAfterPINMs: Double?
    var firstFrameCaseListAfterPINMs: Double?
}

/// The real binary in tmux at 80x24 (times in ms, memory in MB).
struct TmuxResult: Codable {
    /// Process start to the login screen.
    var firstFrameMs: Double
    /// Enter after the PIN to the home screen: the PIN check (plaintext) or unlock (encrypted) and the first frame.
    var enterToHomeMs: Double
    /// The `c` key to the case list on screen.
    var caseListMs: Double
    /// Peak resident memory (VmHWM).
    var peakRSSMB: Double?
}

/// `kinga export cases` (JSON, pseudonymised) of the whole archive.
struct ExportResult: Codable {
    var seconds: Double
    var casesPerSecond: Double
    var peakRSSMB: Double
}

/// Everything measured on the encrypted twin of one archive (issue #17).
struct EncryptedResult: Codable {
    /// The encrypted file, in MB (10^6 bytes), with its WAL.
    var databaseMB: Double
    /// The encrypted file's bytes per case.
    var bytesPerCase: Double
    /// Seconds spent copying and encrypting the twin (nil when reused from an earlier run).
    var encryptSeconds: Double?
    var session: SessionResult
    /// Every per-keystroke sample of the session, in ms.
    var keystrokeKinga: Stats
    /// The Argon2id limits of the slot the bench user unlocks: memory in MiB and passes (64 and 3, Kinga's standard).
    var unlockArgon2idMiB: Double?
    var unlockArgon2idPasses: Int?
    var tmux: TmuxResult?
    var export: ExportResult?
}

/// Encrypted ÷ plaintext for the figures issue #17 bounds (≤ 1.2 each); nil when either side was not measured.
struct Ratios: Codable {
    var keyP50: Double?
    var keyP99: Double?
    var pageDownTopP99: Double?
    var pageDownDeepP99: Double?
    /// First frame of the case list from process start, unlock / PIN check left out.
    var firstFrame: Double?
    /// First frame of the case list from the moment the PIN was accepted.
    var firstFrameAfterPIN: Double?
    var tmuxFirstFrame: Double?
    var tmuxEnterToHome: Double?
    var tmuxCaseList: Double?
    var exportSeconds: Double?
    var peakRSS: Double?

    init(plain p: SizeResult, encrypted e: EncryptedResult) {
        func r(_ a: Double?, _ b: Double?) -> Double? {
            guard let a, let b, a > 0 else { return nil }
            return b / a
        }
        keyP50 = r(p.keystrokeKinga.p50, e.keystrokeKinga.p50)
        keyP99 = r(p.keystrokeKinga.p99, e.keystrokeKinga.p99)
        pageDownTopP99 = r(p.session.pageDownTopMs.p99, e.session.pageDownTopMs.p99)
        pageDownDeepP99 = r(p.session.pageDownDeepMs.p99, e.session.pageDownDeepMs.p99)
        firstFrame = r(p.session.firstFrameCaseListMs, e.session.firstFrameCaseListMs)
        firstFrameAfterPIN = r(p.session.firstFrameCaseListAfterPINMs, e.session.firstFrameCaseListAfterPINMs)
        tmuxFirstFrame = r(p.tmuxFirstFrameMs, e.tmux?.firstFrameMs)
        tmuxEnterToHome = r(p.tmuxEnterToHomeMs, e.tmux?.enterToHomeMs)
        tmuxCaseList = r(p.tmuxCaseListMs, e.tmux?.caseListMs)
        exportSeconds = r(p.exportSeconds, e.export?.seconds)
        peakRSS = r(p.session.peakRSSMB, e.session.peakRSSMB)
    }
}

/// One archive size: the plaintext figures (flat, as before issue #17), then the encrypted twin's and the ratios.
struct SizeResult: Codable {
    var cases: Int
    var events: Int
    var generatedSeconds: Double?
    var databaseMB: Double
    var bytesPerCase: Double
    var session: SessionResult
    var keystrokeKinga: Stats
    var keystrokeSqlite3: Stats?
    var keystrokeFzf: Stats?
    var tmuxFirstFrameMs: Double?
    var tmuxCaseListMs: Double?
    var tmuxPeakRSSMB: Double?
    /// `kinga export cases` (JSON, pseudonymised) of the whole archive: seconds, cases per second, peak MB.
    var exportSeconds: Double?
    var exportCasesPerSecond: Double?
    var exportPeakRSSMB: Double?
    /// Plaintext, in tmux: Enter after the PIN to the home screen, in ms (issue #17).
    var tmuxEnterToHomeMs: Double?
    /// The encrypted twin (issue #17; nil in files from before, or with --no-encrypted).
    var encrypted: EncryptedResult?
    /// Encrypted ÷ plaintext.
    var ratios: Ratios?
}

/// The whole run, as written to JSON.
struct BenchReport: Codable {
    var machine: String
    var date: String
    var kingaVersion: String
    var sqliteVersion: String
    var fzfVersion: String?
    var sizes: [SizeResult]
    /// A note on what was measured on which form (the sqlite3 floor and fzf are plaintext only).
    var note: String?
}
