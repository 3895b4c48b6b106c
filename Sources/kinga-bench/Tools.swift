import ArgumentParser
import Foundation
import Harness
import Model
import Storage
import Vault

/// `kinga-bench generate`: one fictional archive, for tests that need many cases (export progress, cancel).
struct Generate: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Make a fictional archive of N cases at PATH (users: \"Bench Supervisor\" and focal points, PIN 902134).")
    @Option var cases: Int
    @Option var out: String
    @Flag(help: "Replace the file at --out (and its audit key) when it exists.") var force = false
    func run() throws {
        if FileManager.default.fileExists(atPath: out) && !force {
            throw ValidationError("\(out) exists. Use --force to replace it (this deletes it and its .audit-key).")
        }
        let seconds = try buildArchive(at: out, cases: cases)
        print("\(cases) fictional cases in \(out) (\(fmt(seconds)) s)")
    }
}

/// `kinga-bench keys`: what one PIN guess costs at Kinga's Argon2id limits (issue #17), and so what trying every
/// six-digit PIN against a stolen key-slot file costs. A figure for the README's threat model, never a pass/fail.
struct Keys: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Time one Argon2id PIN check at Kinga's limits and the core-hours to try all 10^6 six-digit PINs.")
    @Option(help: "Argon2id memory in MiB (default: Kinga's).") var memoryMib = Int(KeyDerivation.standard.memlimit >> 20)
    @Option(help: "Argon2id passes (default: Kinga's).") var passes = Int(KeyDerivation.standard.opslimit)
    @Option(help: "How many timed checks (the median is reported).") var runs = 5
    func run() throws {
        let derivation = KeyDerivation(opslimit: UInt64(passes), memlimit: UInt64(memoryMib) << 20)
        let key = try DatabaseKey.random()
        let user = KeySlotUser(id: UUID(), name: "Bench", roles: ["focal_point"])
        var file = KeySlotFile(deviceID: UUID())
        try file.setUser(user, pin: benchPIN, key: key, derivation: derivation)
        var seconds: [Double] = []
        for _ in 0..<max(1, runs) {
            let start = DispatchTime.now().uptimeNanoseconds
            _ = try file.unlock(userID: user.id, pin: benchPIN)
            seconds.append(Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9)
        }
        let median = seconds.sorted()[seconds.count / 2]
        let coreHours = median * 1_000_000 / 3600
        print("Argon2id \(memoryMib) MiB, \(passes) passes, 1 lane: one PIN check \(String(format: "%.3f", median)) s (median of \(seconds.count))")
        print("Trying all 10^6 six-digit PINs: \(fmt(coreHours)) core-hours (\(fmt(coreHours / 24)) core-days) on one core of this machine")
    }
}

/// `kinga-bench sql --db PATH TEXT`: the statements the case list runs for one search, as the sqlite3 shell
/// would take them (to read or time a query plan by hand). Plaintext archives only.
struct ShowSQL: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "sql", abstract: "Print the SQL the case list runs for a search.")
    @Option var db: String
    @Argument var text: String
    func run() throws {
        let store = try KingaStore(path: db, clock: benchClock)
        for s in try store.caseListSQL(CaseQuery(text: text), limit: pageRows, today: benchClock.today) { print(s) }
    }
}

/// A figure for the table: 3 significant-ish digits (`197`, `25.1`, `2.37`).
func fmt(_ v: Double) -> String { v >= 100 ? String(format: "%.0f", v) : v >= 10 ? String(format: "%.1f", v) : String(format: "%.2f", v) }

/// The size of the file at `path` in bytes (0 when missing).
func fileSize(_ path: String) -> Int { ((try? FileManager.default.attributesOfItem(atPath: path))?[.size] as? Int) ?? 0 }

/// The first line a program prints on stdout, or nil when it fails.
func firstLine(_ argv: [String]) -> String? {
    let out = NSTemporaryDirectory() + "kinga-bench-\(getpid()).txt"
    defer { try? FileManager.default.removeItem(atPath: out) }
    guard (try? spawnAndWait(argv, stdout: out)) == 0 else { return nil }
    return (try? String(contentsOfFile: out, encoding: .utf8))?.split(separator: "\n").first.map(String.init)
}

/// The sqlite3 shell's version (`3.40.1`), or "?".
func sqliteVersion() -> String { firstLine(["sqlite3", "--version"]).map { String($0.prefix(while: { $0 != " " })) } ?? "?" }
/// fzf's version line, or nil when it is not installed.
func fzfVersion() -> String? { firstLine(["fzf", "--version"]) }

/// "2 cores (CPU model), 24 GiB RAM".
func machineDescription() -> String {
    let cpu = (try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8))?.split(separator: "\n")
        .first { $0.hasPrefix("model name") }.map { String($0.split(separator: ":").last ?? "").trimmingCharacters(in: .whitespaces) } ?? "?"
    let mem = (try? String(contentsOfFile: "/proc/meminfo", encoding: .utf8))?.split(separator: "\n").first
        .flatMap { Double($0.split(separator: " ").dropFirst().first ?? "") }.map { String(format: "%.0f GiB", $0 / 1_048_576) } ?? "?"
    return "\(ProcessInfo.processInfo.activeProcessorCount) cores (\(cpu)), \(mem) RAM"
}
