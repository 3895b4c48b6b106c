import Foundation
import Model
import Storage

/// First run, login and the kiosk lock.
enum SessionScreens {
    /// First run on an empty database: create the first user (administrator and supervisor, so one person
    /// can run a small deployment) and pick the country profile. Nothing else is reachable before it is done.
    /// - Parameters: `profiles` are ids; `names` gives the words shown for each (the id when missing).
    static func setup(profiles: [String], names: [String: String] = [:]) -> FormScreen {
        let form = FormScreen(title: S.setupTitle, intro: S.setupIntro, submitLabel: S.setupSubmit, fields: [
            FormField("name", "Your name", hint: "The name others will see on the timeline.", .line(limit: TextLimits.line)),
            FormField("pin", "Choose a PIN", hint: "At least 6 digits that are hard to guess (not 123456), or a passphrase of 8 or more characters.", .secret(limit: 64)),
            FormField("pin2", "Type the PIN again", .secret(limit: 64)),
            FormField("profile", "Country profile", hint: "Sets the helplines, concerns and deadlines. Ask your supervisor if unsure.",
                      .choice(profiles.map { names[$0] ?? $0 })),
        ]) { f, app in
            guard f.require(["name", "pin", "pin2", "profile"]) else { return .none }
            if f.secret("pin") != f.secret("pin2") {
                f.errors["pin2"] = S.pinsDiffer
                f.clear("pin2")
                return .none
            }
            do {
                let user = try app.store.createFirstUser(name: f.text("name"), pin: f.secret("pin"))
                let id = profiles[f.choice("profile")!]
                try app.store.setSetting("profile", id, actor: user.name)
                app.switchProfile(id)
                app.signIn(user)
                return .none
            } catch let e as UserError {
                switch e {
                case .weakPIN: f.errors["pin"] = e.description; f.clear("pin"); f.clear("pin2")
                case .notAllowed:
                    // Someone finished the set-up on another kiosk meanwhile: log in instead.
                    return .replace(SessionScreens.login(users: (try? app.store.users()) ?? [], demo: app.demo, locked: false))
                default: f.errors["name"] = e.description
                }
                return .none
            } catch { app.flash = (S.saveFailed("\(error)"), .danger); return .none }
        }
        form.escapeLeaves = false
        form.extraKeys = { key, _ in key == .ctrl("q") ? .quit : nil }
        if profiles.count == 1 { form.setChoice("profile", 0) }
        return form
    }

    /// Pick your name, type your PIN. One message for any failure. On the lock screen the same form returns the
    /// same user to where they were, and another user to their own home screen.
    static func login(users: [User], demo: Bool, locked: Bool) -> FormScreen {
        let intro = (locked ? S.lockedIntro : S.loginIntro) + (demo ? " " + S.demoPINs : "")
        let form = FormScreen(title: locked ? S.lockedTitle : S.loginTitle, intro: intro, submitLabel: S.loginSubmit, fields: [
            FormField("who", "Who are you?", .choice(users.map { $0.name })),
            FormField("pin", "Your PIN", .secret(limit: 64)),
        ]) { f, app in
            guard f.require(["who", "pin"]), let i = f.choice("who"), users.indices.contains(i) else { return .none }
            let user = users[i]
            let pin = f.secret("pin")
            f.clear("pin")
            do {
                switch try app.store.login(userID: user.id, pin: pin) {
                case .success(let u): app.signIn(u)
                case .failed, .locked: f.errors["pin"] = S.loginFailed
                }
            } catch { app.flash = (S.saveFailed("\(error)"), .danger) }
            return .none
        }
        form.escapeLeaves = false
        form.enterSubmitsFromLastField = true
        form.extraKeys = { key, _ in key == .ctrl("q") ? .quit : nil }
        if users.count == 1 { form.setChoice("who", 0) }
        return form
    }
}

extension S {
    static let setupTitle = "Welcome"
    static let setupIntro = "Welcome to Kinga. This computer has no users yet. You will be its first user: you can record and follow up cases, approve work and add the other users."
    static let setupSubmit = "Start using Kinga"
    static let pinsDiffer = "The two PINs are not the same. Please type it again."
    static let loginTitle = "Log in"
    static let loginIntro = "Choose your name and type your PIN."
    static let lockedTitle = "Locked"
    static let lockedIntro = "Kinga is locked so no one else can see the cases. Choose your name and type your PIN to go on."
    static let demoPINs = "Demo: every PIN is 123456."
    static let loginSubmit = "Log in"
    static let loginFailed = "That did not work. Check your name and PIN, wait a moment, and try again."
    static func idleWarning(_ s: Int) -> String { "Kinga will lock in \(s) seconds to keep the cases private. Press any key to stay." }
    static let menuLock = "Lock the screen"
    static let kLock = "Lock"
}

/// Administrators: the people who use Kinga. Add a user, reset a PIN, switch someone off.
final class UsersScreen: ListScreen {
    private var users: [User] = []
    override var title: String { S.usersTitle }
    override var header: String? { S.usersHeader(users.count) }
    override var emptyText: String { "" }
    override func appear(_ app: App) { users = (try? app.store.users()) ?? [] }
    override func hints(_ app: App) -> [(String, String)] { [("↑↓", S.kMove), ("n", S.kAdd), ("Enter", S.kResetPIN), ("Esc", S.kBack)] }
    override var rows: [(text: String, style: Style)] {
        users.map { u in ("\(DisplayWidth.pad(u.name, to: 28)) \(u.roles.map(S.role).sorted().joined(separator: ", "))", .normal) }
    }
    override func open(_ index: Int, _ app: App) -> Action { .push(UsersScreen.resetPIN(users[index])) }
    override func other(_ key: Key, _ app: App) -> Action {
        key == .char("n") ? .push(UsersScreen.add()) : .none
    }

    static func add() -> FormScreen {
        let roles: [Role] = [.focalPoint, .supervisor, .administrator, .trainer]
        return FormScreen(title: S.usersTitle, intro: S.addUserIntro, submitLabel: S.save, fields: [
            FormField("name", "Name", .line(limit: TextLimits.line)),
            FormField("roles", "Role", hint: "Tick one or more. An administrator sees no case stories unless also a supervisor.", .checks(roles.map(S.role))),
            FormField("pin", "First PIN (they can change it later)", hint: "At least 6 digits that are hard to guess.", .secret(limit: 64)),
            FormField("pin2", "The PIN again", .secret(limit: 64)),
        ]) { f, app in
            guard f.require(["name", "roles", "pin", "pin2"]) else { return .none }
            guard app.session?.can(.manageUsers, demo: app.store.isDemo) == true else { app.flash = (S.notAllowed, .danger); return .none }
            guard f.secret("pin") == f.secret("pin2") else { f.errors["pin2"] = S.pinsDiffer; f.clear("pin2"); return .none }
            do {
                try app.store.createUser(name: f.text("name"), roles: Set(f.checked("roles").map { roles[$0] }), pin: f.secret("pin"),
                                         createdBy: app.userName)
                app.flash = (S.userAdded, .success)
                return .pop
            } catch let e as UserError {
                if case .weakPIN = e { f.errors["pin"] = e.description; f.clear("pin"); f.clear("pin2") } else { f.errors["name"] = e.description }
                return .none
            } catch { app.flash = (S.saveFailed("\(error)"), .danger); return .none }
        }
    }

    static func resetPIN(_ user: User) -> FormScreen {
        FormScreen(title: S.usersTitle, intro: S.resetIntro(user.name), submitLabel: S.save, fields: [
            FormField("pin", "New PIN", .secret(limit: 64)),
            FormField("pin2", "The new PIN again", .secret(limit: 64)),
        ]) { f, app in
            guard f.require(["pin", "pin2"]), let me = app.session else { return .none }
            guard f.secret("pin") == f.secret("pin2") else { f.errors["pin2"] = S.pinsDiffer; f.clear("pin2"); return .none }
            do {
                try app.store.setPIN(userID: user.id, newPIN: f.secret("pin"), oldPIN: nil, by: me)
                app.flash = (S.pinReset, .success)
                return .pop
            } catch let e as UserError {
                f.errors["pin"] = e.description
                f.clear("pin"); f.clear("pin2")
                return .none
            } catch { app.flash = (S.saveFailed("\(error)"), .danger); return .none }
        }
    }
}

extension S {
    static let usersTitle = "Users"
    static func usersHeader(_ n: Int) -> String { "\(n) user\(n == 1 ? "" : "s") · n adds someone · Enter sets a new PIN" }
    static let addUserIntro = "Add a person who will use Kinga on this computer."
    static let userAdded = "The user was added. Give them their PIN in private."
    static func resetIntro(_ name: String) -> String { "Set a new PIN for \(name). Give it to them in private; they can change it later." }
    static let pinReset = "The PIN was changed."
    static let kResetPIN = "New PIN"
    static let menuUsers = "Users"
    static func role(_ r: Role) -> String {
        switch r {
        case .focalPoint: return "Focal point"
        case .supervisor: return "Supervisor"
        case .administrator: return "Administrator"
        case .trainer: return "Trainer"
        }
    }
}

/// Supervisors and administrators: the audit log, newest first; Tab filters by kind.
final class AuditScreen: ListScreen {
    private var entries: [AuditEntry] = []
    private var filter = 0
    static let filters: [(String?, String)] = [(nil, "everything"), ("case.", "case changes and views"), ("login", "logins"),
                                                ("access.denied", "refused actions"), ("session.", "locks"), ("account.", "locked accounts")]
    override var title: String { S.auditTitle }
    override var header: String? { S.auditHeader(entries.count, Self.filters[filter].1) }
    override var emptyText: String { S.auditEmpty }
    override func appear(_ app: App) { entries = (try? app.store.auditEntries(limit: 500, actionPrefix: Self.filters[filter].0)) ?? [] }
    override func hints(_ app: App) -> [(String, String)] { [("↑↓", S.kMove), ("Tab", S.kFilter), ("Esc", S.kBack)] }
    override var rows: [(text: String, style: Style)] {
        entries.map { e in
            ("\(e.seq)  \(S.dateTime(e.at, .current))  \(DisplayWidth.pad(e.actor, to: 16)) \(DisplayWidth.pad(e.action, to: 22)) \(e.detail.replacingOccurrences(of: "\n", with: " "))",
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
        FormScreen(title: S.changePINTitle, intro: S.changePINIntro, submitLabel: S.save, fields: [
            FormField("old", "Your PIN now", .secret(limit: 64)),
            FormField("pin", "New PIN", hint: "At least 6 digits that are hard to guess, or a passphrase of 8 or more characters.", .secret(limit: 64)),
            FormField("pin2", "The new PIN again", .secret(limit: 64)),
        ]) { f, app in
            guard f.require(["old", "pin", "pin2"]), let me = app.session else { return .none }
            guard f.secret("pin") == f.secret("pin2") else { f.errors["pin2"] = S.pinsDiffer; f.clear("pin2"); return .none }
            do {
                try app.store.setPIN(userID: me.id, newPIN: f.secret("pin"), oldPIN: f.secret("old"), by: me)
                app.flash = (S.pinReset, .success)
                return .pop
            } catch let e as UserError {
                if case .notAllowed = e { f.errors["old"] = S.loginFailed } else { f.errors["pin"] = e.description }
                f.clear("old"); f.clear("pin"); f.clear("pin2")
                return .none
            } catch { app.flash = (S.saveFailed("\(error)"), .danger); return .none }
        }
    }
}

extension S {
    static let auditTitle = "Audit log"
    static func auditHeader(_ n: Int, _ what: String) -> String { "\(n) entries · showing \(what) · Tab changes the filter · check it all: kinga audit verify" }
    static let auditEmpty = "Nothing in the audit log for this filter."
    static let changePINTitle = "Change my PIN"
    static let changePINIntro = "Type your PIN now, then the new one twice. Do not tell anyone your PIN."
    static let menuAudit = "Audit log"
    static let menuPIN = "Change my PIN"
}
