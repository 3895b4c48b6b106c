import ArgumentParser
import Foundation
import Harness
import Model
import Storage
import SyntheticData
import Vault

/// Makes a deterministic fictional archive of `cases` cases at `path` (replacing any file there), with the
/// bench supervisor and eight focal points (PIN `benchPIN`).
/// - Returns: seconds spent generating the cases.
func buildArchive(at path: String, cases: Int) throws -> Double {
    for suffix in ["", "-wal", "-shm", ".audit-key"] { try? FileManager.default.removeItem(atPath: path + suffix) }
    let store = try KingaStore(path: path, clock: benchClock)
    // The bench supervisor sets the kiosk up (the first user: administrator and supervisor) and adds the team.
    let (session, boss) = try store.createFirstUser(name: benchUser, pin: benchPIN)
    var team = [boss.id]
    for i in 1...8 { team.append(try session.createUser(name: "Focal Point \(i)", roles: [.focalPoint], pin: benchPIN).id) }
    try session.setSetting("language", "en")
    try session.setSetting("profile", "generic")
    // The archive itself is Kinga's upkeep, written with nobody logged in (`store`).
    let seconds = try milliseconds {
        try SyntheticArchive.generate(into: store, cases: cases, assignees: team) { done in
            if done % 100_000 == 0 || done == cases { print("  generated \(done) cases") }
        }
    } / 1000
    guard case .success(let again, _) = try store.login(userID: boss.id, pin: benchPIN) else { throw ValidationError("the bench PIN was refused") }
    try again.setSetting("bench.complete", "\(cases)")
    try store.checkpoint()
    return seconds
}

/// Where the encrypted twin of the archive of `cases` cases lives: `<dataDir>/encrypted/archive-N-vV.encrypted.sqlite`.
/// A folder of its own, because Kinga keeps backups in `backups/` beside the database and encrypts every
/// plaintext backup there when it encrypts a database: the plaintext archives' folder must not be touched.
func encryptedTwinPath(dataDir: String, cases: Int) -> String {
    "\(dataDir)/encrypted/archive-\(cases)-v\(SyntheticArchive.version).encrypted.sqlite"
}

/// The stamp written beside a finished twin (`<twin>.complete`, see `twinStamp`): a twin without it,
/// or without its key-slot file, was interrupted and is made again.
func twinIsComplete(_ twin: String, cases: Int) -> Bool {
    let fm = FileManager.default
    return fm.fileExists(atPath: twin) && fm.fileExists(atPath: twin + ".keys")
        && (try? String(contentsOfFile: twin + ".complete", encoding: .utf8)) == twinStamp(cases)
}

/// What `<twin>.complete` holds: the case count and how the bench supervisor's slot was made.
func twinStamp(_ cases: Int) -> String { "\(cases) cases, bench supervisor's slot at the standard limits, \(CipherFormat.current.rawValue)" }

/// The Argon2id limits of the bench supervisor's slot in the twin's key-slot file: (MiB, passes), or nil.
func benchSlotLimits(twin: String) -> (memoryMiB: Double, passes: Int)? {
    guard let data = FileManager.default.contents(atPath: twin + ".keys"),
          let json = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
          let users = json["users"] as? [[String: Any]],
          let me = users.first(where: { ($0["name"] as? String) == benchUser }),
          let memory = (me["memlimit"] as? NSNumber)?.doubleValue, let passes = (me["opslimit"] as? NSNumber)?.intValue else { return nil }
    return (memory / 1_048_576, passes)
}

/// Makes the encrypted twin of a plaintext archive: the archive is checkpointed (its WAL emptied into the
/// file), copied with its audit key, and the copy encrypted in place as Kinga's first start encrypts a database
/// made before encryption at rest (`KingaStore.openKiosk(encryptPlaintext: true)`: a random key, a slot for
/// every user from their stored PIN hash, so `benchPIN` still opens it; `<twin>.keys` is written beside it).
/// The twin is then unlocked once with the bench PIN and its `bench.complete` setting checked before the stamp
/// is written.
/// - Parameters: `plain`, the open plaintext archive; `plainPath`, its file; `twin`, where the twin goes.
/// - Returns: seconds spent (copy, encryption and the checking unlock).
func buildEncryptedTwin(of plain: KingaStore, plainPath: String, at twin: String, cases: Int) throws -> Double {
    let fm = FileManager.default
    try fm.createDirectory(atPath: (twin as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
    for suffix in ["", "-wal", "-shm", "-journal", ".audit-key", ".keys", ".keys.pending", ".complete", ".encrypting"] {
        try? fm.removeItem(atPath: twin + suffix)
    }
    return try milliseconds {
        try plain.checkpoint()
        try fm.copyItem(atPath: plainPath, toPath: twin)
        if fm.fileExists(atPath: plainPath + "-wal"), fileSize(plainPath + "-wal") > 0 {
            try fm.copyItem(atPath: plainPath + "-wal", toPath: twin + "-wal")
        }
        try fm.copyItem(atPath: plainPath + ".audit-key", toPath: twin + ".audit-key")
        guard case .locked(let locked) = try KingaStore.openKiosk(path: twin, clock: benchClock, encryptPlaintext: true) else {
            throw ValidationError("encrypting \(twin) did not give a locked kiosk")
        }
        guard let boss = locked.users.first(where: { $0.name == benchUser }) else { throw ValidationError("no \(benchUser) in the slots of \(twin)") }
        guard case .success(let store, _) = try locked.unlock(userID: boss.id, pin: benchPIN) else {
            throw ValidationError("the bench PIN did not open \(twin)")
        }
        guard (try store.setting("bench.complete")) == "\(cases)" else { throw ValidationError("\(twin) is not a complete copy") }
        // The bench supervisor sets the same PIN again: their slot is rewrapped at Kinga's standard limits (64 MiB,
        // 3 passes), as on a kiosk encrypted from its first run or after any PIN change. Slots migrated from PIN
        // hashes keep the hashes' lighter limits (19 MiB, 2 passes); the other users keep those.
        try store.setPIN(userID: boss.id, newPIN: benchPIN, oldPIN: benchPIN)
        try store.checkpoint()
        try twinStamp(cases).write(toFile: twin + ".complete", atomically: true, encoding: .utf8)
    } / 1000
}

extension Run {
    /// The archive for `cases`, generated when missing (or from an older generator). Returns its path and
    /// how long generating took in seconds (nil when reused).
    func archive(cases: Int) throws -> (String, Double?) {
        let path = "\(dataDir)/archive-\(cases)-v\(SyntheticArchive.version).sqlite"
        if FileManager.default.fileExists(atPath: path), let s = try? KingaStore(path: path, clock: benchClock),
           (try? s.setting("bench.complete")) == "\(cases)" {
            return (path, nil)
        }
        let seconds = try buildArchive(at: path, cases: cases)
        print("  generated in \(fmt(seconds)) s")
        return (path, seconds)
    }

    /// The encrypted twin of the archive at `plainPath` (see `buildEncryptedTwin`), made when missing,
    /// interrupted, or when the plaintext archive was just generated (`fresh`).
    /// - Returns: its path and how long making it took in seconds (nil when reused).
    func encryptedArchive(of plain: KingaStore, plainPath: String, cases: Int, fresh: Bool) throws -> (String, Double?) {
        let twin = encryptedTwinPath(dataDir: dataDir, cases: cases)
        if !fresh && twinIsComplete(twin, cases: cases) { return (twin, nil) }
        let seconds = try buildEncryptedTwin(of: plain, plainPath: plainPath, at: twin, cases: cases)
        print("  encrypted twin made in \(fmt(seconds)) s")
        return (twin, seconds)
    }
}
