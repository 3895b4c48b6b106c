import Foundation
import GRDB
import I18n
import Testing
@testable import Model
@testable import Storage
@testable import TUI
import StoreTestSupport

/// Issue #18: joining the district from the Users screen. The network step is the executable's (tested against a
/// real server in ServerTests); here the screen gets each outcome and must say it, keep what was typed, and show
/// "Connecting…" before the slow step runs.
@Suite("Joining the district on screen")
struct DistrictScreenTests {
    let ui = SessionScreenTests()

    @Test("Connecting… is on screen before the server is reached; each refusal is said at its field; joined goes back")
    func joinOnScreen() throws {
        let dir = TempDir()
        let store = try KingaStore(test: dir.path + "/k.sqlite", clock: pinned)
        try store.addTestUser(name: "Anna Fiktif", roles: [.administrator, .supervisor], pin: "902134")
        let a = try ui.app(store)
        var outcomes: [EnrolOutcome] = [.fingerprintMismatch, .refused("this code was already used"), .unreachable]
        var calls: [(String, String, String)] = []
        a.enrolInDistrict = { url, code, fingerprint in
            calls.append((url, code, fingerprint))
            if !outcomes.isEmpty { return outcomes.removeFirst() }
            try? a.store.joinDistrict(serverURL: url, certificatePEM: "PEM", fingerprint: fingerprint, kioskCode: KioskCode("K07")!,
                                    kioskName: "Puskesmas Fiksi", villages: ["Kampung Fiksi"], token: "t")
            return .joined(kioskCode: "K07")
        }
        ui.keys(a, .char("1"), .tab); ui.type(a, "902134"); ui.keys(a, .enter)
        ui.keys(a, .char("m"))
        #expect(ui.screen(a).contains("j District") && ui.screen(a).contains("Esc Back"))
        // On a narrower screen (or in a longer language) the way out stays; other hints give way.
        let narrow = a.render(width: 60, height: 24).text
        #expect(narrow.contains("Esc Back") && !narrow.contains("j District"), "\(narrow)")
        ui.keys(a, .char("j"))
        #expect(ui.screen(a).contains("Join the district"))
        ui.keys(a, .function(2))
        #expect(ui.screen(a).contains("Please answer this question"))
        #expect(calls.isEmpty)
        ui.type(a, "https://district.example:8443"); ui.keys(a, .tab)
        ui.type(a, "ABCD-EFGH-JKMN"); ui.keys(a, .tab)
        ui.type(a, "3F:A2"); ui.keys(a, .function(2))
        #expect(ui.screen(a).contains("Connecting to the district server"))
        #expect(calls.isEmpty)                                  // not before the line is on screen
        a.runDeferredWork()
        #expect(calls.count == 1 && calls[0].0 == "https://district.example:8443" && calls[0].1 == "ABCD-EFGH-JKMN")
        var s = ui.screen(a)
        #expect(s.contains("different fingerprint") && !s.contains("Connecting"), "\(s)")
        #expect(s.contains("ABCD-EFGH-JKMN") && s.contains("3F:A2"))   // what was typed stays
        ui.keys(a, .function(2)); a.runDeferredWork()
        #expect(ui.screen(a).contains("this code was already used"))
        ui.keys(a, .function(2)); a.runDeferredWork()
        #expect(ui.screen(a).contains("does not answer"))
        ui.keys(a, .function(2)); a.runDeferredWork()
        s = ui.screen(a)
        #expect(s.contains("This kiosk is now K07") && s.contains("Users") && !s.contains("Join the district"), "\(s)")
        // Once joined, j says where, and the form does not open again.
        ui.keys(a, .char("j"))
        s = ui.screen(a)
        #expect(s.contains("This kiosk is K07") && !s.contains("Join the district"), "\(s)")
    }

    @Test("a supervisor pins a case to another kiosk with w: a wrong code is said at the field and kept; the entry is on the timeline and waits to go up")
    func pinACaseOnScreen() throws {
        let d = try Driver()
        let r = Report.fictional("Wulan Fiktif")
        let c = try d.store.registerCase(from: r, draftID: UUID())
        d.press(.char("c"), .enter)
        d.press(.char("w"))
        #expect(d.contains("has not joined a district"), "\(d.text)")
        let admin = try d.store.withoutSession.addTestUser(name: "Anna Fiktif", roles: [.administrator], pin: "731946")
        try d.store.withoutSession.acting(admin).joinDistrict(serverURL: "https://district.example:8443", certificatePEM: "PEM",
            fingerprint: "AB:CD", kioskCode: KioskCode("K07")!, kioskName: "Puskesmas Fiksi", villages: ["Kampung Fiksi"], token: "t")
        let waiting = try d.store.syncStanding().waiting
        d.press(.char("w"))
        #expect(d.contains("Pin this case to a kiosk") && d.contains("Kiosk code"), "\(d.text)")
        d.type("K7"); d.press(.function(2))
        #expect(d.contains("K and 2 to 4 letters") && d.contains("K7"), "\(d.text)")
        for _ in 0..<2 { d.press(.backspace) }
        d.type("k07"); d.press(.function(2))
        #expect(d.contains("this kiosk's own code"), "\(d.text)")
        for _ in 0..<3 { d.press(.backspace) }
        d.type("k03"); d.press(.function(2))
        #expect(d.contains("Pinned to kiosk K03"), "\(d.text)")
        let entry = try #require(try d.store.events(caseID: c.id, viewer: d.store.testViewer).last)
        #expect(entry.fact == EventFact(.casePinned, ["kiosk": "K03", "supervisor": "Test Focal Point"]))
        #expect(try d.store.syncStanding().waiting > waiting, "the entry waits to go up to the district")
    }

    @Test("a focal point cannot pin a case: w says so and nothing is written")
    func focalPointCannotPin() throws {
        let dir = TempDir()
        let store = try KingaStore(test: dir.path + "/k.sqlite", clock: pinned)
        let fp = try store.addTestUser(name: "Fokal Fiktif", roles: [.focalPoint], pin: "902134")
        let session = try store.acting(fp)
        let r = Report.fictional("Sari Fiktif")
        let c = try session.registerCase(from: r, draftID: UUID())
        #expect(throws: StoreError.accessDenied) { try session.pinCase(caseID: c.id, to: "K03") }
        #expect(try session.events(caseID: c.id, viewer: .user(fp)).allSatisfy { $0.fact?.kind != .casePinned })
    }

    @Test("a kiosk restored from a backup of a joined kiosk says so on the join form, and joins afresh from it")
    func restoredKioskJoinsAfresh() throws {
        let dir = TempDir()
        let path = dir.path + "/k.sqlite"
        do {
            let store = try KingaStore(test: path, clock: pinned)
            let admin = try store.addTestUser(name: "Anna Fiktif", roles: [.administrator, .supervisor], pin: "902134")
            try store.acting(admin).joinDistrict(serverURL: "https://district.example:8443", certificatePEM: "PEM", fingerprint: "AB:CD",
                                                kioskCode: KioskCode("K07")!, kioskName: "Puskesmas Fiksi", villages: ["Kampung Fiksi"], token: "t")
            // A supervisor's decision on a conflict, made here and not yet sent (it lives in the outbox).
            try store.upkeep { db in
                try db.execute(sql: """
                    INSERT INTO sync_conflict(conflict_key, tbl, row_id, field, status, opened_seq, decided_json, conflict_json)
                    VALUES ('K07:1:risk_level', 'case_record', 'x', 'risk_level', 'decided', 1, '"low"', '{}')
                    """)
            }
            try store.backup(to: dir.path + "/b.sqlite")
        }
        try KingaStore.restore(from: dir.path + "/b.sqlite", to: path, clock: pinned, key: testDatabaseKey)
        let store = try KingaStore(test: path, clock: pinned)
        let reopened = try store.pool.read { db in try Row.fetchOne(db, sql: "SELECT status, decided_json FROM sync_conflict") }
        #expect(reopened?["status"] == "open" && (reopened?["decided_json"] as String?) == nil, "the decision went with the outbox: decided again")
        let a = try ui.app(store)
        a.enrolInDistrict = { url, _, fingerprint in
            try? a.store.joinDistrict(serverURL: url, certificatePEM: "PEM", fingerprint: fingerprint, kioskCode: KioskCode("K11")!,
                                      kioskName: "Puskesmas Fiksi (new laptop)", villages: ["Kampung Fiksi"], token: "t2")
            return .joined(kioskCode: "K11")
        }
        ui.keys(a, .char("1"), .tab); ui.type(a, "902134"); ui.keys(a, .enter)
        ui.keys(a, .char("m"), .char("j"))
        let flat = ui.screen(a).split(whereSeparator: { $0 == " " || $0 == "\n" }).joined(separator: " ")
        #expect(flat.contains("Join the district") && flat.contains("restored from a backup of kiosk K07"), "\(flat)")
        ui.type(a, "https://district.example:8443"); ui.keys(a, .tab)
        ui.type(a, "ABCD-EFGH-JKMN"); ui.keys(a, .tab)
        ui.type(a, "3F:A2"); ui.keys(a, .function(2))
        a.runDeferredWork()
        #expect(ui.screen(a).contains("This kiosk is now K11"), "\(ui.screen(a))")
        #expect(try store.setAsideLink() == nil && store.districtLink()?.kioskCode.rawValue == "K11")
    }

    @Test("a lock between asking and reaching the server drops the step: nothing is sent for a locked kiosk")
    func lockDropsThePendingStep() throws {
        let dir = TempDir()
        let store = try KingaStore(test: dir.path + "/k.sqlite", clock: pinned)
        try store.addTestUser(name: "Anna Fiktif", roles: [.administrator, .supervisor], pin: "902134")
        let a = try ui.app(store)
        var calls = 0
        a.enrolInDistrict = { _, _, _ in calls += 1; return .unreachable }
        ui.keys(a, .char("1"), .tab); ui.type(a, "902134"); ui.keys(a, .enter)
        ui.keys(a, .char("m"), .char("j"))
        ui.type(a, "https://district.example:8443"); ui.keys(a, .tab)
        ui.type(a, "ABCD-EFGH-JKMN"); ui.keys(a, .tab)
        ui.type(a, "3F:A2"); ui.keys(a, .function(2))
        ui.keys(a, .ctrl("l"))
        a.runDeferredWork()
        #expect(calls == 0)
        #expect(ui.screen(a).contains("Kinga is locked"))
    }

    @Test("the first user's PIN follows the pin_policy of the profile chosen on the set-up form")
    func firstUserFollowsTheChosenProfile() throws {
        let dir = TempDir()
        let store = try KingaStore(test: dir.path + "/k.sqlite", clock: pinned)
        let a = try ui.app(store)
        let loader = a.profileLoader
        a.profileLoader = { id in
            guard var p = loader?(id) else { return nil }
            if id == "zambia" { p.pinPolicy = PINPolicy(minimumPassphrase: 12, passphraseRoles: [.administrator]) }
            return p
        }
        ui.keys(a, .enter)                                      // the language
        ui.type(a, "Ibu Fiktif"); ui.keys(a, .tab)
        ui.type(a, "582046"); ui.keys(a, .tab)
        ui.type(a, "582046"); ui.keys(a, .tab, .char("3"), .function(2))
        #expect(ui.screen(a).contains("passphrase of at least 12"), "\(ui.screen(a))")
        #expect(a.session == nil)
    }

    @Test("a joined kiosk offers y on Home (the menu still fits 80x24); Sending… shows before the server is reached; each outcome is said")
    func sendFromScreen() throws {
        let dir = TempDir()
        let store = try KingaStore(test: dir.path + "/k.sqlite", clock: pinned)
        let fp = try store.addTestUser(name: "Fokal Fiktif", roles: [.focalPoint], pin: "902134")
        let admin = try store.addTestUser(name: "Anna Fiktif", roles: [.administrator, .supervisor], pin: "731946")
        let a = try ui.app(store)
        ui.keys(a, .char("2"), .tab); ui.type(a, "902134"); ui.keys(a, .enter)
        #expect(!ui.screen(a).contains("Sync with the district"))        // not joined: not offered
        ui.keys(a, .char("y"))
        #expect(ui.screen(a).contains("What would you like to do?"))
        a.lock()
        try store.acting(admin).joinDistrict(serverURL: "https://district.example:8443", certificatePEM: "PEM", fingerprint: "AB:CD",
                                            kioskCode: KioskCode("K07")!, kioskName: "Puskesmas Fiksi", villages: ["Kampung Fiksi"], token: "t")
        _ = fp
        ui.keys(a, .char("2"), .tab); ui.type(a, "902134"); ui.keys(a, .enter)
        var s = ui.screen(a)
        #expect(s.contains("y  Sync with the district") && s.contains("q  Quit"), "\(s)")
        /// The screen's words with line breaks and runs of spaces as one space (a sentence may wrap).
        func flat(_ text: String) -> String { text.split(whereSeparator: { $0 == " " || $0 == "\n" }).joined(separator: " ") }
        #expect(flat(s).contains("Not yet synced with the district") && s.contains("Changes waiting for the"), "\(s)")
        let r = Report.fictional("Amani Fiktif")
        try a.store.registerCase(from: r, draftID: UUID())
        let fake = FakeSync([.unreachable, .refused("Kiosk K07 was revoked."), .sent(applied: 5, duplicates: 0, waiting: 0, received: 3, conflicts: 1),
                                .certificateChanged])
        a.syncWithDistrict = { store in fake.next(store) }
        var pending: [@Sendable () -> Void] = []
        a.syncRunner = { pending.append($0) }
        /// The sync's thread runs now, and the loop takes its outcome.
        func finish() { pending.removeFirst()(); a.handlePosted() }
        ui.keys(a, .char("y"))
        s = ui.screen(a)
        #expect(s.contains("This kiosk is K07 (Puskesmas Fiksi)") && s.contains("https://district.example:8443"), "\(s)")
        #expect(s.contains("Changes waiting to be sent:") && !s.contains("Changes waiting to be sent: 0"), "\(s)")
        #expect(s.contains("Nothing has been sent yet."))
        ui.keys(a, .enter)
        #expect(ui.screen(a).contains("Syncing with the district server"))
        #expect(fake.calls == 0 && pending.count == 1)                           // off the loop: not run yet
        ui.keys(a, .enter)                                                       // keys still answer; one sync at a time
        #expect(pending.count == 1)
        finish()
        #expect(fake.calls == 1 && fake.who == ["Fokal Fiktif"])
        #expect(ui.screen(a).contains("does not answer") && ui.screen(a).contains("wait safely"), "\(ui.screen(a))")
        ui.keys(a, .enter); finish()
        #expect(ui.screen(a).contains("Kiosk K07 was revoked."))
        ui.keys(a, .enter); finish()
        #expect(ui.screen(a).contains("The district server has 5 changes from this kiosk."), "\(ui.screen(a))")
        #expect(flat(ui.screen(a)).contains("Changes received from the district: 3.") && flat(ui.screen(a)).contains("waiting for a supervisor: 1."),
                "\(ui.screen(a))")
        ui.keys(a, .char("?"))
        #expect(ui.screen(a).contains("Syncing with the district") && ui.screen(a).contains("never overwritten"), "\(ui.screen(a))")
        ui.keys(a, .escape)
        // A server showing another certificate than the pinned one: refused, said plainly.
        ui.keys(a, .enter); finish()
        #expect(flat(ui.screen(a)).contains("not the one this kiosk trusted when it joined"), "\(ui.screen(a))")
        // In French too.
        let fr = try #require(Languages.shared.language(code: "fr"))
        a.setLanguage(fr)
        #expect(ui.screen(a).contains("Synchroniser avec le district"))
        ui.keys(a, .escape)
        #expect(ui.screen(a).contains("y  Synchroniser avec le district"), "\(ui.screen(a))")
        // The longest menu (an administrator's) still fits 80x24 with the new line and Quit.
        a.lock()
        ui.keys(a, .char("1"), .tab); ui.type(a, "731946"); ui.keys(a, .enter)
        s = ui.screen(a)
        #expect(s.contains("y  Sync with the district") && s.contains("q  Quit") && s.contains("m  "), "\(s)")
    }

    /// A kiosk joined as K07 with Anna Fiktif (administrator and supervisor, PIN 731946): the store, and her session.
    static func joinedSupervisorKiosk(_ dir: TempDir) throws -> (store: KingaStore, session: KingaStore) {
        let store = try KingaStore(test: dir.path + "/k.sqlite", clock: pinned)
        let s = try store.acting(try store.addTestUser(name: "Anna Fiktif", roles: [.administrator, .supervisor], pin: "731946"))
        try s.joinDistrict(serverURL: "https://district.example:8443", certificatePEM: "PEM", fingerprint: "AB:CD",
                           kioskCode: KioskCode("K07")!, kioskName: "Puskesmas Fiksi", villages: ["Kampung Fiksi"], token: "t")
        return (store, s)
    }

    @Test("a supervisor sees a conflict from the district in the review queue, with both values in words, and chooses one")
    func decideConflictOnScreen() throws {
        let dir = TempDir()
        let (store, s) = try Self.joinedSupervisorKiosk(dir)
        let r = Report.fictional("Amani Fiktif")
        let c = try s.registerCase(from: r, draftID: UUID())
        let k03 = KioskCode("K03")!
        let conflict = SyncConflict(id: ConflictID(kiosk: k03, kioskSeq: 9, field: "risk_level"), kind: .value, entity: .caseRecord, rowID: c.id,
                                    field: "risk_level", base: .null, current: .string("low"), incoming: .string("high"), actor: "Fokal Tiga")
        try s.takePull(PullReply(changes: [ServerChange(serverSeq: 1, kiosk: k03, kioskSeq: 9, actor: "Fokal Tiga", patch: nil, record: nil,
                                                        opened: [conflict], resolved: [])], more: false, serverSeq: 1), for: try s.preparePull())
        let a = try ui.app(store)
        ui.keys(a, .char("1"), .tab); ui.type(a, "731946"); ui.keys(a, .enter)
        #expect(ui.screen(a).contains("Conflicts for a supervisor: 1"), "\(ui.screen(a))")
        ui.keys(a, .char("v"))
        var screen = ui.screen(a)
        #expect(screen.contains("Details changed two ways at two kiosks") && screen.contains("risk level: low or high (by Fokal Tiga)"),
                "\(screen)")
        ui.keys(a, .down)
        #expect(ui.screen(a).contains("Enter Choose") && !ui.screen(a).contains("Enter Approve"), "\(ui.screen(a))")
        ui.keys(a, .enter)
        screen = ui.screen(a)
        #expect(screen.contains("Which is right?") && screen.contains("Keep low") && screen.contains("Take high"), "\(screen)")
        ui.keys(a, .char("2"))
        screen = ui.screen(a)
        #expect(screen.contains("Chosen: high for the risk level of KG-2026-K07-0001"), "\(screen)")
        #expect(try s.syncConflicts().first?.decided == .string("high"))
    }

    @Test("a supervisor sees the same child reported at two kiosks in the review queue, both cases side by side, and decides")
    func districtDuplicateOnScreen() throws {
        let dir = TempDir()
        let (store, s) = try Self.joinedSupervisorKiosk(dir)
        var r = Report.fictional("Amani Fiktif", age: "9")
        _ = try s.registerCase(from: r, draftID: UUID())
        // The same child, reported at kiosk K03 under a spelling of her name.
        let other = try KingaStore(test: dir.path + "/other.sqlite", clock: pinned)
        let o = try other.acting(try other.addTestUser(name: "Admin Dua", roles: [.administrator, .supervisor], pin: "580215"))
        try o.joinDistrict(serverURL: "https://district.example:8443", certificatePEM: "PEM", fingerprint: "AB:CD",
                           kioskCode: KioskCode("K03")!, kioskName: "SD Contoh", villages: ["Kampung Fiksi"], token: "t")
        r.childName = "Amany Fiktif"
        _ = try o.registerCase(from: r, draftID: UUID())
        let changes = try #require(try o.preparePush()).asPulled(first: 1)
        try s.takePull(PullReply(changes: changes, more: false, serverSeq: changes.count), for: try s.preparePull())

        let a = try ui.app(store)
        ui.keys(a, .char("1"), .tab); ui.type(a, "731946"); ui.keys(a, .enter)
        #expect(ui.screen(a).contains("Possible duplicates to check: 1"), "\(ui.screen(a))")
        ui.keys(a, .char("v"))
        var screen = ui.screen(a)
        #expect(screen.contains("The same child reported at two kiosks?") && screen.contains("KG-2026-K07-0001 Amani Fiktif")
                && screen.contains("KG-2026-K03-0001 Amany Fiktif"), "\(screen)")
        for _ in 0..<6 where !ui.screen(a).contains("n second case") { ui.keys(a, .down) }
        #expect(ui.screen(a).contains("Enter Choose") && ui.screen(a).contains("o first case"), "\(ui.screen(a))")
        ui.keys(a, .enter)
        screen = ui.screen(a)
        #expect(screen.contains("The same child?") && screen.contains("Amani Fiktif, Kampung Fiksi (kiosk K07)")
                && screen.contains("Amany Fiktif, Kampung Fiksi (kiosk K03)") && screen.contains("Two different children"), "\(screen)")
        ui.keys(a, .char("2"))
        screen = ui.screen(a)
        #expect(screen.contains("Both cases stay") && !screen.contains("The same child reported at two kiosks?"), "\(screen)")
        #expect(try s.districtDuplicates().isEmpty)
    }

    @Test("a person from the district is on Users with no PIN here and not on the login screen; the administrator sets one with them")
    func personFromTheDistrictOnScreen() throws {
        let dir = TempDir()
        let (store, s) = try Self.joinedSupervisorKiosk(dir)
        let k03 = KioskCode("K03")!
        let tiga = UUID()
        let fields: [String: SyncValue] = ["id": .string(tiga.uuidString), "device_id": .string(UUID().uuidString), "version": .int(1),
                                           "created_at": .string("2026-03-01T08:00:00Z"), "updated_at": .string("2026-03-01T08:00:00Z"),
                                           "name": .string("Fokal Tiga"), "roles": .string("focal_point"), "language": .string("en"), "active": .int(1)]
        let patch = FieldPatch(entity: .user, id: tiga, baseVersion: 0, fields: fields.mapValues { FieldChange(old: .null, new: $0) })
        try s.takePull(PullReply(changes: [ServerChange(serverSeq: 1, kiosk: k03, kioskSeq: 1, actor: "Admin Dua", patch: patch, record: nil,
                                                        opened: [], resolved: [])], more: false, serverSeq: 1), for: try s.preparePull())
        let r = Report.fictional("Amani Fiktif")
        let c = try s.registerCase(from: r, draftID: UUID())
        let a = try ui.app(store)
        #expect(!ui.screen(a).contains("Fokal Tiga"), "not on the login screen: \(ui.screen(a))")
        ui.keys(a, .char("1"), .tab); ui.type(a, "731946"); ui.keys(a, .enter)
        ui.keys(a, .char("m"))
        var screen = ui.screen(a)
        #expect(screen.contains("Fokal Tiga") && screen.contains("no PIN here yet"), "\(screen)")
        // A supervisor here can give a case to them: it then reaches their kiosk (the server's catchment).
        ui.keys(a, .escape, .char("c"), .enter, .char("g"))
        screen = ui.screen(a)
        #expect(screen.contains("Fokal Tiga (Focal point) · no PIN here yet"), "\(screen)")
        ui.keys(a, .char("2"), .function(2))
        #expect(try s.caseRecord(id: c.id, viewer: .user(try #require(s.actor)))?.assignedTo == tiga, "\(ui.screen(a))")
        ui.keys(a, .escape, .escape, .char("m"))
        ui.keys(a, .down, .enter)
        screen = ui.screen(a)
        #expect(screen.contains("came from the district and has no PIN on this kiosk yet"), "\(screen)")
        ui.type(a, "264813"); ui.keys(a, .tab); ui.type(a, "264813"); ui.keys(a, .function(2))
        screen = ui.screen(a)
        #expect(screen.contains("Fokal Tiga can now log in on this kiosk."), "\(screen)")
        #expect(!screen.contains("no PIN here yet"), "\(screen)")
        guard case .success = try store.login(userID: tiga, pin: "264813") else { Issue.record("the PIN set on screen does not log in"); return }
        // Switching someone off on a joined kiosk says that it reaches every kiosk.
        ui.keys(a, .char("d"))
        #expect(ui.screen(a).contains("will be switched off on every"), "\(ui.screen(a))")
    }

    @Test("while someone is logged in on a joined kiosk, a sync runs in the background every few minutes, never on the loop, never when locked")
    func backgroundSync() throws {
        let dir = TempDir()
        let store = try KingaStore(test: dir.path + "/k.sqlite", clock: pinned)
        let admin = try store.addTestUser(name: "Anna Fiktif", roles: [.administrator, .supervisor], pin: "731946")
        let a = try ui.app(store)
        let fake = FakeSync(Array(repeating: .sent(applied: 1, duplicates: 0, waiting: 0), count: 5))
        a.syncWithDistrict = { store in fake.next(store) }
        var pending: [@Sendable () -> Void] = []
        a.syncRunner = { pending.append($0) }
        var now: TimeInterval = 1_000
        a.uptime = { now }
        a.backgroundSyncSeconds = 300
        ui.keys(a, .char("1"), .tab); ui.type(a, "731946"); ui.keys(a, .enter)
        a.housekeeping()
        #expect(pending.isEmpty)                                     // not joined: nothing to sync
        try store.acting(admin).joinDistrict(serverURL: "https://district.example:8443", certificatePEM: "PEM", fingerprint: "AB:CD",
                                            kioskCode: KioskCode("K07")!, kioskName: "Puskesmas Fiksi", villages: ["Kampung Fiksi"], token: "t")
        now += 301
        a.housekeeping()
        #expect(pending.count == 1)                                  // joined: due
        a.housekeeping()
        #expect(pending.count == 1)                                  // one at a time
        pending.removeFirst()(); a.handlePosted()
        #expect(fake.calls == 1 && fake.who == ["Anna Fiktif"] && !a.syncRunning)
        now += 10
        a.housekeeping()
        #expect(pending.isEmpty)                                     // not yet due again
        now += 300
        a.lock()
        a.housekeeping()
        #expect(pending.isEmpty)                                     // nobody logged in: nothing
        ui.keys(a, .char("1"), .tab); ui.type(a, "731946"); ui.keys(a, .enter)
        a.housekeeping()
        #expect(pending.count == 1)
    }
}

/// A district link for screen tests: the outcomes to give, in order, and who each sync ran for.
final class FakeSync: @unchecked Sendable {
    private let lock = NSLock()
    private var outcomes: [SyncOutcome]
    private(set) var calls = 0
    private(set) var who: [String] = []
    init(_ outcomes: [SyncOutcome]) { self.outcomes = outcomes }
    func next(_ store: KingaStore) -> SyncOutcome {
        lock.withLock {
            calls += 1
            who.append(store.actor?.name ?? "nobody")
            return outcomes.isEmpty ? .failed("no outcome left") : outcomes.removeFirst()
        }
    }
}
