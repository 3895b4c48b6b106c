import Foundation
import Harness

/// What the table and the JSON say about the forms measured.
let plaintextOnlyNote = "sqlite3 and fzf: plaintext only (the Debian sqlite3 shell cannot open SQLCipher files; fzf reads a text export). " +
    "unlock ms: plaintext, the PIN check alone (its hash: 19 MiB, 2 passes); encrypted, PIN check + key unwrap + opening the database. " +
    "1st frame ms: from process start, the PIN check or unlock left out (the encrypted database opens within the unlock)."

/// Prints the results so far as a text table: for each size a plaintext column and an encrypted column
/// (`N enc`), one row per figure (ms unless the label says otherwise), then ratio rows (encrypted ÷ plaintext,
/// in the encrypted column) for the figures issue #17 bounds at ≤ 1.2.
func printTable(_ rs: [SizeResult]) {
    let withEncrypted = rs.contains { $0.encrypted != nil }
    var rows: [[String]] = [[""] + rs.flatMap { r in withEncrypted ? ["\(r.cases)", "\(r.cases) enc"] : ["\(r.cases)"] }]
    let dash = "–"
    func cell(_ v: Double?) -> String { v.map(fmt) ?? dash }
    /// A row from the plaintext figure and the encrypted one of each size.
    func row(_ label: String, _ plain: (SizeResult) -> Double?, _ enc: (EncryptedResult) -> Double?) {
        rows.append([label] + rs.flatMap { r in
            withEncrypted ? [cell(plain(r)), r.encrypted.map { cell(enc($0)) } ?? dash] : [cell(plain(r))]
        })
    }
    /// A ratio row: blank in the plaintext column, encrypted ÷ plaintext in the encrypted one.
    func ratio(_ label: String, _ value: (Ratios) -> Double?) {
        rows.append([label] + rs.flatMap { r in ["", r.ratios.flatMap(value).map { String(format: "%.2f", $0) } ?? dash] })
    }
    row("made s", { $0.generatedSeconds }, { $0.encryptSeconds })
    row("DB KB/case", { $0.bytesPerCase / 1000 }, { $0.bytesPerCase / 1000 })
    row("unlock ms", { $0.session.unlockMs }, { $0.session.unlockMs })
    row("unlock: of which key", { _ in nil }, { $0.session.unlockKeyMs })
    row("unlock Argon2id MiB", { _ in nil }, { $0.unlockArgon2idMiB })
    row("1st frame ms", { $0.session.firstFrameCaseListMs }, { $0.session.firstFrameCaseListMs })
    row("1st frame after PIN ms", { $0.session.firstFrameCaseListAfterPINMs }, { $0.session.firstFrameCaseListAfterPINMs })
    row("tmux 1st ms", { $0.tmuxFirstFrameMs }, { $0.tmux?.firstFrameMs })
    row("tmux Enter→home", { $0.tmuxEnterToHomeMs }, { $0.tmux?.enterToHomeMs })
    row("tmux c→list", { $0.tmuxCaseListMs }, { $0.tmux?.caseListMs })
    row("export s", { $0.exportSeconds }, { $0.export?.seconds })
    row("export/s", { $0.exportCasesPerSecond?.rounded() }, { $0.export?.casesPerSecond.rounded() })
    row("export MB", { $0.exportPeakRSSMB }, { $0.export?.peakRSSMB })
    row("key p50 ms", { $0.keystrokeKinga.p50 }, { $0.keystrokeKinga.p50 })
    row("key p99 ms", { $0.keystrokeKinga.p99 }, { $0.keystrokeKinga.p99 })
    row("sqlite3 p50", { $0.keystrokeSqlite3?.p50 }, { _ in nil })
    row("sqlite3 p99", { $0.keystrokeSqlite3?.p99 }, { _ in nil })
    row("fzf p50 ms", { $0.keystrokeFzf?.p50 }, { _ in nil })
    row("fzf p99 ms", { $0.keystrokeFzf?.p99 }, { _ in nil })
    row("PgDn top p99", { $0.session.pageDownTopMs.p99 }, { $0.session.pageDownTopMs.p99 })
    row("PgDn deep p99", { $0.session.pageDownDeepMs.p99 }, { $0.session.pageDownDeepMs.p99 })
    row("render p50", { $0.session.renderMs.p50 }, { $0.session.renderMs.p50 })
    row("peak MB", { $0.session.peakRSSMB }, { $0.session.peakRSSMB })
    row("tmux peak MB", { $0.tmuxPeakRSSMB }, { $0.tmux?.peakRSSMB })
    if withEncrypted {
        ratio("enc/plain key p50", \.keyP50)
        ratio("enc/plain key p99", \.keyP99)
        ratio("enc/plain PgDn top p99", \.pageDownTopP99)
        ratio("enc/plain PgDn deep p99", \.pageDownDeepP99)
        ratio("enc/plain 1st frame", \.firstFrame)
        ratio("enc/plain 1st after PIN", \.firstFrameAfterPIN)
        ratio("enc/plain tmux 1st", \.tmuxFirstFrame)
        ratio("enc/plain tmux Enter→home", \.tmuxEnterToHome)
        ratio("enc/plain tmux c→list", \.tmuxCaseList)
        ratio("enc/plain export s", \.exportSeconds)
        ratio("enc/plain peak MB", \.peakRSS)
    }
    print("")
    print(textTable(rows))
    if withEncrypted { print(plaintextOnlyNote) }
}
