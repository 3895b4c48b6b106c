import Foundation
import I18n
import Model
import Storage

/// First run, login and the kiosk lock.
enum SessionScreens {
    /// First run on an empty database: create the first user (administrator and supervisor, so one person
    /// can run a small deployment) and pick the country profile. Nothing else is reachable before it is done.
    /// - Parameters: `profiles` are ids; `names` gives the words shown for each (the id when missing).
    static func setup(profiles: [String], names: [String: String] = [:]) -> FormScreen {
        let form = FormScreen(title: S.setupTitle, intro: S.setupIntro, submitLabel: S.setupSubmit, helpKey: "help.setup", fields: [
            FormField("name", tr("form.setup.name"), hint: tr("form.setup.name.hint"), .line(limit: TextLimits.line)),
            FormField("pin", tr("form.setup.pin"), hint: tr("form.setup.pin.hint"), .secret(limit: 64)),
            FormField("pin2", tr("form.setup.pin2"), .secret(limit: 64)),
            FormField("profile", tr("form.setup.profile"), hint: tr("form.setup.profile.hint"),
                      .choice(profiles.map { names[$0] ?? $0 })),
        ]) { f, app in
            guard f.require(["name", "pin", "pin2", "profile"]) else { return .none }
            if f.secret("pin") != f.secret("pin2") {
                f.errors["pin2"] = S.pinsDiffer
                f.clear("pin2")
                return .none
            }
            do {
                // The PIN rules of the profile chosen here, not of the one Kinga started with.
                let chosen = profiles[f.choice("profile")!]
                if let p = app.profileLoader?(chosen) { app.store.pinPolicy = p.pinPolicy }
                let (session, first) = try app.store.createFirstUser(name: f.text("name"), pin: f.secret("pin"))
                var user = first
                try session.setLanguage(userID: user.id, code: app.kioskLanguage.code)
                try session.setSetting("language", app.kioskLanguage.code)
                user.language = app.kioskLanguage.code
                let id = profiles[f.choice("profile")!]
                try session.setSetting("profile", id)
                app.switchProfile(id)
                app.signIn(session, as: user)
                // Then the district recovery key (issue #17): without it a lost laptop loses its records.
                return .push(RecoveryKeyScreens.choose(firstRun: true))
            } catch let e as UserError {
                switch e {
                case .weakPIN: f.errors["pin"] = S.cycleError(e); f.clear("pin"); f.clear("pin2")
                case .notAllowed:
                    // Someone finished the set-up on another kiosk meanwhile: log in instead.
                    return .replace(SessionScreens.login(users: (try? app.store.users()) ?? [], demo: app.demo, locked: false))
                default: f.errors["name"] = S.cycleError(e)
                }
                return .none
            } catch { app.flash = (S.cycleError(error), .danger); return .none }
        }
        form.escapeLeaves = false
        form.extraKeys = { key, _ in key == .ctrl("q") ? .quit : nil }
        if profiles.count == 1 { form.setChoice("profile", 0) }
        return form
    }

    /// Pick your name, type your PIN. One message for any failure. On the lock screen the same form returns the
    /// same user to where they were, and another user to their own home screen.
    static func login(users: [User], demo: Bool, locked: Bool) -> FormScreen {
        let intro = (locked ? S.lockedIntro : S.loginIntro) + (demo ? " " + S.demoPINs : "") + "\n" + tr("child.entry")
        let form = FormScreen(title: locked ? S.lockedTitle : S.loginTitle, intro: intro, submitLabel: S.loginSubmit, helpKey: "help.login", fields: [
            FormField("who", tr("form.login.who"), .choice(users.map { $0.name })),
            FormField("pin", tr("form.login.pin"), .secret(limit: 64)),
        ]) { f, app in
            guard f.require(["who", "pin"]), let i = f.choice("who"), users.indices.contains(i) else { return .none }
            let user = users[i]
            let pin = f.secret("pin")
            f.clear("pin")
            do {
                switch try app.logIn(userID: user.id, pin: pin) {
                case .success(let session, let u): app.signIn(session, as: u)
                case .failed, .locked: f.errors["pin"] = S.loginFailed
                }
            } catch { app.flash = (S.cycleError(error), .danger) }
            return .none
        }
        form.escapeLeaves = false
        form.enterSubmitsFromLastField = true
        form.extraHints = [("F3", tr("child.kEntry"))]
        form.extraKeys = { key, _ in key == .ctrl("q") ? .quit : nil }
        if users.count == 1 { form.setChoice("who", 0) }
        return form
    }
}

extension S {
    static var setupTitle: String { tr("setupTitle") }
    static var setupIntro: String { tr("setupIntro") }
    static var setupSubmit: String { tr("setupSubmit") }
    static var pinsDiffer: String { tr("pinsDiffer") }
    static var loginTitle: String { tr("loginTitle") }
    static var loginIntro: String { tr("loginIntro") }
    static var lockedTitle: String { tr("lockedTitle") }
    static var lockedIntro: String { tr("lockedIntro") }
    static var demoPINs: String { tr("demoPINs") }
    static var loginSubmit: String { tr("loginSubmit") }
    static var loginFailed: String { tr("loginFailed") }
    static func idleWarning(_ s: Int) -> String { tr("idleWarning", ["s": s]) }
    static var menuLock: String { tr("menuLock") }
    static var kLock: String { tr("kLock") }
}

/// Administrators: the people who use Kinga. Add a user, reset a PIN, switch someone off.
final class UsersScreen: ListScreen {
    override var helpKey: String { "help.users" }
    private var users: [User] = []
    override var title: String { S.usersTitle }
    override var header: String? { S.usersHeader(users.count) }
    override var emptyText: String { "" }
    override func appear(_ app: App) { users = (try? app.store.people()) ?? [] }
    override func hints(_ app: App) -> [(String, String)] {
        // No "↑↓ Move" here: with the recovery key and the district the line would push "Esc Back" off an 80-column screen.
        [("n", S.kAdd), ("Enter", S.kResetPIN), ("d", S.kDeactivate), ("r", tr("kRecovery")), ("j", tr("kDistrict")), ("Esc", S.kBack)]
    }
    override var rows: [(text: String, style: Style)] {
        // Someone from the district with no PIN here yet says so: Enter sets one with them (issue #18).
        users.map { u in
            let roles = u.roles.map(S.role).sorted().joined(separator: ", ")
            // The marker before the roles: on a narrow screen the roles are what gets cut, never the marker.
            return u.pinHere ? ("\(DisplayWidth.pad(u.name, to: 28)) \(roles)", .normal)
                             : ("\(DisplayWidth.pad(u.name, to: 28)) \(tr("users.noPINHere")) · \(roles)", .warning)
        }
    }
    override func open(_ index: Int, _ app: App) -> Action { .push(UsersScreen.resetPIN(users[index])) }
    override func other(_ key: Key, _ app: App) -> Action {
        if key == .char("d"), users.indices.contains(selected) {
            return .push(UsersScreen.deactivate(users[selected], linked: !app.demo && (try? app.store.districtLink()) != nil))
        }
        if key == .char("j") {
            if let link = try? app.store.districtLink() {
                app.flash = (tr("district.status", ["kiosk": link.kioskCode.rawValue, "url": link.serverURL]), .normal)
                return .none
            }
            if app.demo {
                app.flash = (tr("district.demo"), .warning)
                return .none
            }
            return .push(DistrictScreens.join(setAside: try? app.store.setAsideLink()))
        }
        if key == .char("r") { return .push(RecoveryKeyScreens.choose(firstRun: false, alreadySet: (try? app.store.districtKey()) != nil)) }
        return key == .char("n") ? .push(UsersScreen.add()) : .none
    }

    /// Switching a person off, after a plain confirmation: they can no longer log in, and (issue #17) their PIN
    /// no longer opens the kiosk's database. Their cases and notes stay.
    /// On a kiosk that joined a district the confirmation says that the change reaches every kiosk (issue #18).
    static func deactivate(_ user: User, linked: Bool = false) -> FormScreen {
        let intro = S.deactivateIntro(user.name) + (linked ? "\n\n" + tr("users.deactivateEverywhere", ["name": user.name]) : "")
        return FormScreen(title: S.usersTitle, intro: intro, submitLabel: S.kDeactivate, helpKey: "help.users", fields: []) { _, app in
            do {
                try app.store.deactivateUser(user.id)
                app.flash = (S.userDeactivated(user.name), .success)
                return .pop
            } catch { app.flash = (S.cycleError(error), .danger); return .none }
        }
    }

    static func add() -> FormScreen {
        let roles: [Role] = [.focalPoint, .supervisor, .administrator, .trainer]
        return FormScreen(title: S.usersTitle, intro: S.addUserIntro, submitLabel: S.save, helpKey: "help.addUser", fields: [
            FormField("name", tr("form.add.name"), .line(limit: TextLimits.line)),
            FormField("roles", tr("form.add.roles"), hint: tr("form.add.roles.hint"), .checks(roles.map(S.role))),
            FormField("pin", tr("form.add.pin"), hint: tr("form.add.pin.hint"), .secret(limit: 64)),
            FormField("pin2", tr("form.add.pin2"), .secret(limit: 64)),
        ]) { f, app in
            guard f.require(["name", "roles", "pin", "pin2"]) else { return .none }
            guard app.session?.can(.manageUsers, demo: app.store.isDemo) == true else { app.flash = (S.notAllowed, .danger); return .none }
            guard f.secret("pin") == f.secret("pin2") else { f.errors["pin2"] = S.pinsDiffer; f.clear("pin2"); return .none }
            do {
                try app.store.createUser(name: f.text("name"), roles: Set(f.checked("roles").map { roles[$0] }), pin: f.secret("pin"))
                app.flash = (S.userAdded, .success)
                return .pop
            } catch let e as UserError {
                if case .weakPIN = e { f.errors["pin"] = S.cycleError(e); f.clear("pin"); f.clear("pin2") } else { f.errors["name"] = S.cycleError(e) }
                return .none
            } catch { app.flash = (S.cycleError(error), .danger); return .none }
        }
    }

    /// A new PIN for `user`, typed by them: a reset, or (for someone from the district with no PIN on this kiosk)
    /// their first PIN here, which gives them a key slot on this kiosk (issues #17, #18).
    static func resetPIN(_ user: User) -> FormScreen {
        let intro = user.pinHere ? S.resetIntro(user.name) : tr("users.firstPINIntro", ["name": user.name])
        return FormScreen(title: S.usersTitle, intro: intro, submitLabel: S.save, helpKey: "help.resetPIN", fields: [
            FormField("pin", tr("form.resetPIN.pin"), .secret(limit: 64)),
            FormField("pin2", tr("form.resetPIN.pin2"), .secret(limit: 64)),
        ]) { f, app in
            guard f.require(["pin", "pin2"]), app.session != nil else { return .none }
            guard f.secret("pin") == f.secret("pin2") else { f.errors["pin2"] = S.pinsDiffer; f.clear("pin2"); return .none }
            do {
                try app.store.setPIN(userID: user.id, newPIN: f.secret("pin"), oldPIN: nil)
                app.flash = (user.pinHere ? S.pinReset : tr("users.firstPINSet", ["name": user.name]), .success)
                return .pop
            } catch let e as UserError {
                f.errors["pin"] = S.cycleError(e)
                f.clear("pin"); f.clear("pin2")
                return .none
            } catch { app.flash = (S.cycleError(error), .danger); return .none }
        }
    }
}

extension S {
    static var usersTitle: String { tr("usersTitle") }
    static func usersHeader(_ n: Int) -> String { trn("usersHeader", n) }
    static var addUserIntro: String { tr("addUserIntro") }
    static var kDeactivate: String { tr("kDeactivate") }
    static func deactivateIntro(_ name: String) -> String { tr("deactivateIntro", ["name": name]) }
    static func userDeactivated(_ name: String) -> String { tr("userDeactivated", ["name": name]) }
    static var userAdded: String { tr("userAdded") }
    static func resetIntro(_ name: String) -> String { tr("resetIntro", ["name": name]) }
    static var pinReset: String { tr("pinReset") }
    static var kResetPIN: String { tr("kResetPIN") }
    static var menuUsers: String { tr("menuUsers") }
    static func role(_ r: Role) -> String {
        switch r {
        case .focalPoint: return tr("role.focalPoint")
        case .supervisor: return tr("role.supervisor")
        case .administrator: return tr("role.administrator")
        case .trainer: return tr("role.trainer")
        }
    }
}

/// Supervisors and administrators: the audit log, newest first; Tab filters by kind.
final class AuditScreen: ListScreen {
    override var helpKey: String { "help.audit" }
    private var entries: [AuditEntry] = []
    private var filter = 0
    static let filters: [(prefix: String?, key: String)] = [(nil, "audit.everything"), ("case.", "audit.case"), ("login", "audit.login"),
                                                            ("access.denied", "audit.denied"), ("session.", "audit.session"), ("account.", "audit.account")]
    override var title: String { S.auditTitle }
    override var header: String? { S.auditHeader(entries.count, tr(Self.filters[filter].key)) }
    override var emptyText: String { S.auditEmpty }
    override func appear(_ app: App) { entries = (try? app.store.auditEntries(limit: 500, actionPrefix: Self.filters[filter].prefix)) ?? [] }
    override func hints(_ app: App) -> [(String, String)] { [("↑↓", S.kMove), ("Tab", S.kFilter), ("Esc", S.kBack)] }
    override var rows: [(text: String, style: Style)] {
        entries.map { e in
            ("\(e.seq)  \(S.dateTime(e.at, .current))  \(DisplayWidth.pad(S.author(e.actor), to: 16)) \(DisplayWidth.pad(e.action, to: 22)) \(e.detail.replacingOccurrences(of: "\n", with: " "))",
             e.action == "access.denied" || e.action.hasPrefix("account.") ? .warning : .normal)
        }
    }
    override func other(_ key: Key, _ app: App) -> Action {
        if key == .tab {
            filter = (filter + 1) % Self.filters.count
            selected = 0
            appear(app)
        }
        return .none
    }
}

extension SessionScreens {
    /// A user changes their own PIN (the old one is needed).
    static func changePIN() -> FormScreen {
        FormScreen(title: S.changePINTitle, intro: S.changePINIntro, submitLabel: S.save, helpKey: "help.changePIN", fields: [
            FormField("old", tr("form.changePIN.old"), .secret(limit: 64)),
            FormField("pin", tr("form.changePIN.pin"), hint: tr("form.changePIN.pin.hint"), .secret(limit: 64)),
            FormField("pin2", tr("form.changePIN.pin2"), .secret(limit: 64)),
        ]) { f, app in
            guard f.require(["old", "pin", "pin2"]), let me = app.session else { return .none }
            guard f.secret("pin") == f.secret("pin2") else { f.errors["pin2"] = S.pinsDiffer; f.clear("pin2"); return .none }
            do {
                try app.store.setPIN(userID: me.id, newPIN: f.secret("pin"), oldPIN: f.secret("old"))
                app.flash = (S.pinReset, .success)
                return .pop
            } catch let e as UserError {
                if case .notAllowed = e { f.errors["old"] = S.loginFailed } else { f.errors["pin"] = S.cycleError(e) }
                f.clear("old"); f.clear("pin"); f.clear("pin2")
                return .none
            } catch { app.flash = (S.cycleError(error), .danger); return .none }
        }
    }
}

extension S {
    static var auditTitle: String { tr("auditTitle") }
    static func auditHeader(_ n: Int, _ what: String) -> String { tr("auditHeader", ["n": n, "what": what]) }
    static var auditEmpty: String { tr("auditEmpty") }
    static var changePINTitle: String { tr("changePINTitle") }
    static var changePINIntro: String { tr("changePINIntro") }
    static var menuAudit: String { tr("menuAudit") }
    static var menuPIN: String { tr("menuPIN") }
}
