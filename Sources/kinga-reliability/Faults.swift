import Foundation
import Harness
import Model
import Storage

/// An encrypted kiosk with one user and one case, ready for kinga to open (opened by the harness with the
/// district's recovery key when it is already there).
func prepareDatabase(_ db: String) throws -> KingaStore {
    if LockedKiosk.at(path: db, clock: pinnedClock) != nil { return try Kiosk.open(db) }
    let store = try Kiosk.make(db)
    do {
        var r = Report()
        r.reporterKind = .neighbour; r.sex = .female; r.approximateAgeText = "9"; r.village = "Kijiji"; r.childName = "Fault Child"
        r.concerns = ["neglect"]; r.narrative = "A fictional report."; r.inDangerNow = false; r.childAssent = .yes; r.caregiverConsent = .yes
        try store.registerCase(from: r, draftID: UUID())
    }
    return store.withoutSession
}

/// Begins the session of the suite's supervisor on `store`: every change through the returned handle has them
/// as its actor.
/// - Returns: the supervisor's handle, and the supervisor.
/// - Throws: `StoreError.notFound` when the database has no such user; `StoreError.accessDenied` when the
///   suite's PIN is refused.
func actAsSupervisor(_ store: KingaStore) throws -> (KingaStore, User) {
    try logIn(store, name: "Reliability Supervisor", pin: pin)
}

/// Throws away every unfinished report, as their author (the suite's supervisor, who typed them all) would.
/// - Throws: as `actAsSupervisor`; database errors.
func clearDrafts(_ store: KingaStore) throws {
    let drafts = try store.drafts()
    guard !drafts.isEmpty else { return }
    let (supervisor, _) = try actAsSupervisor(store)
    for d in drafts { try supervisor.deleteDraft(id: d.id) }
}

/// Logs `name` in on `store` with their PIN, as a person would: every change through the returned handle has
/// them as its actor.
/// - Returns: their handle, and them.
/// - Throws: `StoreError.notFound` when there is no such active user; `StoreError.accessDenied` when the PIN
///   is refused.
func logIn(_ store: KingaStore, name: String, pin: String) throws -> (KingaStore, User) {
    guard let u = try store.users().first(where: { $0.name == name }) else { throw StoreError.notFound }
    guard case .success(let session, let me) = try store.login(userID: u.id, pin: pin) else { throw StoreError.accessDenied }
    return (session, me)
}

/// Starts kinga on `db` in a fresh window and logs in; returns the window on the home screen.
func startLoggedIn(_ kinga: String, db: String, home: String, prefix: String = "") throws -> TmuxWindow {
    let w = TmuxWindow()
    try w.start("\(prefix)env -i PATH=/usr/bin:/bin HOME=\(home) KINGA_NOW=\(nowText) LANG=C.UTF-8 TERM=xterm-256color \(kinga) --db \(db)")
    try w.waitFor("Choose your name")
    try w.send("1", "Tab")
    try w.type(pin)
    try w.send("Enter")
    try w.waitFor("What would you like to do?")
    return w
}

/// The terminal was restored when the program ended (`echo` and `icanon` on again) and no case data is
/// left on screen.
func leftClean(_ screen: String) -> Bool {
    screen.contains("STTY: icanon echo") && !screen.contains("Fault Child")
}

/// Database faults, each in the real binary: a clear message that says what happened and what to do,
/// nothing saved is lost, and what the user typed stays on screen.
struct Faults {
    let kinga: String
    let folder: String

    func run(_ f: inout Figures) throws {
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let checks: [(String, (inout Figures) throws -> Void)] = [
            ("locked by another writer for longer than the busy timeout", locked),
            ("a read-only database file", readOnly),
            ("a read-only database folder", readOnlyFolder),
            ("a database folder that cannot be made", folderCannotBeMade),
            ("a missing database folder", missingFolder),
            ("a damaged database file", damaged),
            ("a truncated database file", truncated),
            ("a full disk", fullDisk),
        ]
        for (name, check) in checks {
            do {
                try check(&f)
                print("  ok: \(name)")
            } catch {
                f.problems.append("\(name): \(error)")
            }
        }
    }

    struct Failed: Error, CustomStringConvertible {
        let what: String
        var description: String { what }
    }

    /// The environment kinga runs in (a clean one, UTF-8, a real terminal type).
    func kingaCommand(_ args: String, prefix: String = "") -> String {
        "\(prefix)env -i PATH=/usr/bin:/bin HOME=\(folder) LANG=C.UTF-8 TERM=xterm-256color \(kinga) \(args)"
    }

    /// Starts kinga with `args` and waits for it to end by itself (a refusal); returns the last screen.
    /// Throws when the terminal was not restored (and counts it).
    func runUntilItStops(_ args: String, prefix: String = "", width: Int = 80, height: Int = 24, _ f: inout Figures) throws -> String {
        let w = TmuxWindow(width: width, height: height)
        defer { w.stop() }
        try w.start(kingaCommand(args, prefix: prefix))
        var s = try w.waitFor("Choose your name", "END-OF-RUN")
        if !s.contains("END-OF-RUN") {
            // An encrypted kiosk opens its database only after a PIN: the refusal comes then.
            try w.send("1", "Tab")
            try w.type(pin)
            try w.send("Enter")
            s = try w.waitFor("END-OF-RUN")
        }
        guard leftClean(s) else { f.terminalsLeftDirty += 1; throw Failed(what: "terminal not restored") }
        return s
    }

    /// Throws (counting the losses) when anything saved in `before` is missing or changed in `db`.
    func expectNothingLost(_ db: String, since before: Snapshot, _ f: inout Figures) throws {
        let (_, problems) = verify(db, against: before)
        f.recordsLost += problems.count
        if !problems.isEmpty { throw Failed(what: "\(problems)") }
    }

    /// A database with data whose folder kinga's user (nobody, when this runs as root) may not write.
    func unwritable(_ name: String) throws -> (dir: String, db: String, before: Snapshot, prefix: String) {
        let dir = folder + "/" + name
        let db = dir + "/kinga.sqlite"
        let before = try Snapshot.take(try prepareDatabase(db))
        try? FileManager.default.removeItem(atPath: db + "-wal")
        try? FileManager.default.removeItem(atPath: db + "-shm")
        chmod(folder, 0o755)
        return (dir, db, before, try unprivileged(dir))
    }

    /// Another process holds the write lock for 13 s; kinga's busy timeout is 10 s. The note typed must stay
    /// on screen with a kind message, and save once the lock is gone.
    func locked(_ f: inout Figures) throws {
        let db = folder + "/locked/kinga.sqlite"
        let before = try Snapshot.take(try prepareDatabase(db))
        let w = try startLoggedIn(kinga, db: db, home: folder)
        defer { w.stop() }
        try w.send("c"); try w.waitFor("/ Search")
        try w.send("Enter"); try w.waitFor("Timeline")
        try w.send("a"); try w.waitFor("F2")
        let note = "Typed while another session holds the database."
        try w.type(note)
        let held = folder + "/lock.held"
        try? FileManager.default.removeItem(atPath: held)
        let holder = try Kiosk.holdWriteLock(db, seconds: 13, held: held)
        // The other writer holds the lock once it has written its marker (inside its transaction).
        try waitUntil("the other writer to hold the write lock", seconds: 20) { FileManager.default.fileExists(atPath: held) }
        f.faultsInjected += 1
        try w.send("F2")
        let s = try w.waitFor("Another person is saving", seconds: 20)
        guard s.contains(note) else { throw Failed(what: "the typed note left the screen") }
        try waitUntil("the other writer to let the lock go", seconds: 30) { holder.isFinished }
        try w.send("F2")
        try w.waitFor("Note saved")
        try w.send("Escape", "Escape", "q")
        guard leftClean(try w.waitFor("END-OF-RUN")) else { f.terminalsLeftDirty += 1; throw Failed(what: "terminal not restored") }
        let (now, problems) = verify(db, against: before)
        f.recordsLost += problems.count
        guard problems.isEmpty, let n = now, n.cases.values.contains(where: { $0.events.values.contains { $0.hasPrefix(note) } }) else {
            throw Failed(what: "the note was not saved after the lock went: \(problems)")
        }
    }

    /// Runs a command as an unprivileged user when this suite runs as root (root ignores file permissions).
    func unprivileged(_ path: String) throws -> String {
        guard getuid() == 0 else { return "" }
        guard onPath("setpriv") else { throw Failed(what: "running as root without setpriv: cannot test permissions") }
        try spawnAndWait(["chown", "-R", "65534:65534", path])
        // The unprivileged user must reach the binary and its resources: a checkout in a private folder (mktemp -d
        // makes 0700 ones) gets the search bit, and only that, on every folder above the build (no reading, no listing).
        var above = URL(fileURLWithPath: kinga).deletingLastPathComponent()
        while above.path != "/" {
            var st = stat()
            if stat(above.path, &st) == 0, st.st_mode & 0o001 == 0 { chmod(above.path, st.st_mode & 0o7777 | 0o001) }
            above = above.deletingLastPathComponent()
        }
        return "setpriv --reuid=65534 --regid=65534 --clear-groups "
    }

    /// A database file nobody may write: a plain message naming the file and what to do, and no change.
    func readOnly(_ f: inout Figures) throws {
        let (_, db, before, prefix) = try unwritable("readonly")
        chmod(db, 0o444)
        defer { chmod(db, 0o600) }
        f.faultsInjected += 1
        let s = try runUntilItStops("--db \(db)", prefix: prefix, &f)
        guard s.contains("read-only") || s.contains("may write") else { throw Failed(what: "no plain message:\n\(s)") }
        chmod(db, 0o600)
        try expectNothingLost(db, since: before, &f)
    }

    /// The database's folder may not be written (the write-ahead log cannot be made there): a plain message.
    func readOnlyFolder(_ f: inout Figures) throws {
        let (dir, db, before, prefix) = try unwritable("readonly-folder")
        chmod(dir, 0o555)
        defer { chmod(dir, 0o700) }
        f.faultsInjected += 1
        let s = try runUntilItStops("--db \(db)", prefix: prefix, &f)
        guard s.contains("could not open its database"), s.contains("EXIT=1") else { throw Failed(what: "no plain message:\n\(s)") }
        chmod(dir, 0o700)
        try expectNothingLost(db, since: before, &f)
    }

    /// The database's folder is where a file already is: it cannot be made.
    func folderCannotBeMade(_ f: inout Figures) throws {
        let blocker = folder + "/not-a-folder"
        _ = FileManager.default.createFile(atPath: blocker, contents: Data("x".utf8))
        f.faultsInjected += 1
        let s = try runUntilItStops("--db \(blocker)/kinga.sqlite", &f)
        guard s.contains("could not open its database"), s.contains("EXIT=1") else { throw Failed(what: "no plain message:\n\(s)") }
    }

    /// A folder that does not exist yet is made (private), and Kinga starts.
    func missingFolder(_ f: inout Figures) throws {
        let db = folder + "/new/deeper/kinga.sqlite"
        f.faultsInjected += 1
        let w = TmuxWindow()
        defer { w.stop() }
        try w.start(kingaCommand("--db \(db)"))
        try w.waitFor("First, choose the language")
        try w.send("C-q")
        let s = try w.waitFor("END-OF-RUN")
        guard leftClean(s) else { f.terminalsLeftDirty += 1; throw Failed(what: "terminal not restored") }
        let mode = (try FileManager.default.attributesOfItem(atPath: folder + "/new/deeper")[.posixPermissions] as? Int) ?? 0
        if mode & 0o077 != 0 { throw Failed(what: "the new folder is readable by others") }
    }

    /// Random bytes over pages in the middle of the file: never opened, the file left exactly as it was,
    /// the message names the newest backup.
    func damaged(_ f: inout Figures) throws {
        let db = folder + "/damaged/kinga.sqlite"
        let (store, me) = try actAsSupervisor(try prepareDatabase(db))
        for i in 0..<30 { try store.addNote(caseID: try store.casePage(after: nil, limit: 1, viewer: .user(me))[0].id, text: "Filler note \(i) " + String(repeating: "x", count: 300)) }
        try store.makeAutomaticBackup(reason: "daily")
        try store.checkpoint()
        try spawnAndWait(["sh", "-c", "dd if=/dev/urandom of='\(db)' bs=4096 seek=4 count=8 conv=notrunc 2>/dev/null"])
        try refused(db, &f)
    }

    /// The file cut in half.
    func truncated(_ f: inout Figures) throws {
        let db = folder + "/truncated/kinga.sqlite"
        let (store, me) = try actAsSupervisor(try prepareDatabase(db))
        for i in 0..<30 { try store.addNote(caseID: try store.casePage(after: nil, limit: 1, viewer: .user(me))[0].id, text: "Filler note \(i) " + String(repeating: "y", count: 300)) }
        try store.makeAutomaticBackup(reason: "daily")
        try store.checkpoint()
        let size = ((try FileManager.default.attributesOfItem(atPath: db))[.size] as? Int) ?? 0
        truncate(db, off_t(size / 2))
        try refused(db, &f)
    }

    private func refused(_ db: String, _ f: inout Figures) throws {
        f.faultsInjected += 1
        let damagedBytes = try Data(contentsOf: URL(fileURLWithPath: db))
        let s = try runUntilItStops("--db \(db)", width: 100, height: 30, &f)
        guard s.contains("is damaged"), s.contains("kinga restore") else { throw Failed(what: "no message offering the backup:\n\(s)") }
        guard try Data(contentsOf: URL(fileURLWithPath: db)) == damagedBytes else { throw Failed(what: "the damaged file was written to") }
        // The backup it names brings the database back.
        guard let newest = KingaStore.backups(for: db).first, let locked = LockedKiosk.at(path: db, clock: pinnedClock) else {
            throw Failed(what: "no backup, or no key file")
        }
        try locked.restore(from: newest.path, recoveryKey: Kiosk.district)
        let r = try Kiosk.open(db).check()
        if !r.ok { throw Failed(what: "restored database: \(r.problems)") }
    }

    /// A small file system that fills up while a note is being saved: a kind message, the note stays on
    /// screen, and it saves once there is room again. Needs permission to mount a tmpfs (skipped otherwise).
    func fullDisk(_ f: inout Figures) throws {
        let mount = folder + "/small-disk"
        try FileManager.default.createDirectory(atPath: mount, withIntermediateDirectories: true)
        guard (try? spawnAndWait(["mount", "-t", "tmpfs", "-o", "size=3m,mode=0700", "tmpfs", mount])) == 0 else {
            print("  skipped: a full disk (no permission to mount a small file system here)")
            return
        }
        defer { _ = try? spawnAndWait(["umount", "-l", mount]) }
        let db = mount + "/kinga.sqlite"
        let before = try Snapshot.take(try prepareDatabase(db))
        let w = try startLoggedIn(kinga, db: db, home: folder)
        defer { w.stop() }
        try w.send("c"); try w.waitFor("/ Search")
        try w.send("Enter"); try w.waitFor("Timeline")
        try w.send("a"); try w.waitFor("F2")
        let note = "Typed while the disk fills up."
        try w.type(note)
        // Fill every free byte.
        try spawnAndWait(["sh", "-c", "dd if=/dev/zero of='\(mount)/filler' bs=4096 2>/dev/null; sync"])
        f.faultsInjected += 1
        // A big note needs new pages: the disk is full.
        try w.type(" " + String(repeating: "The disk is full now. ", count: 60) + "End of the note.")
        try w.send("F2")
        let s = try w.waitFor("disk is full", "Note saved", seconds: 20)
        guard s.contains("disk is full") else { throw Failed(what: "the note was saved on a full disk?\n\(s)") }
        // The note screen stays open with what was typed (checked whole below, in the saved note: the screen
        // shows only the last lines of a long note, and where they wrap is not the point).
        guard s.contains("F2 Save") else { throw Failed(what: "the note screen closed on a full disk\n\(s)") }
        try FileManager.default.removeItem(atPath: mount + "/filler")
        try w.send("F2")
        // Saved now: the note screen closes (its "Note saved" line may already be gone if the terminal sent
        // anything else), and the note is on the timeline exactly once: the failed try saved nothing.
        let after = try w.waitFor("Note saved", "Timeline", seconds: 20)
        guard !after.contains("F2 Save") else { throw Failed(what: "the note was not saved once the disk had room\n\(after)") }
        let n = try Snapshot.take(try Kiosk.open(db)).cases.values.flatMap(\.events.values)
            .filter { $0.contains("Typed while the disk fills up.") && $0.contains("End of the note.") }.count
        guard n == 1 else { throw Failed(what: "the whole typed note is on the timeline \(n) times after a full disk (must be once)") }
        try w.send("Escape", "Escape", "q")
        guard leftClean(try w.waitFor("END-OF-RUN")) else { f.terminalsLeftDirty += 1; throw Failed(what: "terminal not restored") }
        try expectNothingLost(db, since: before, &f)
    }
}
