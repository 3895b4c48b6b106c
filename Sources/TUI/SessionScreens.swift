import Foundation
import Model
import Storage

/// First run, login and the kiosk lock.
enum SessionScreens {
    /// First run on an empty database: create the first user (administrator and supervisor, so one person
    /// can run a small deployment) and pick the country profile. Nothing else is reachable before it is done.
    static func setup(profiles: [String]) -> FormScreen {
        let form = FormScreen(title: S.setupTitle, intro: S.setupIntro, submitLabel: S.setupSubmit, fields: [
            FormField("name", "Your name", hint: "The name others will see on the timeline.", .line(limit: TextLimits.line)),
            FormField("pin", "Choose a PIN", hint: "At least 6 digits that are hard to guess (not 123456), or a passphrase of 8 or more characters.", .secret(limit: 64)),
            FormField("pin2", "Type the PIN again", .secret(limit: 64)),
            FormField("profile", "Country profile", hint: "Sets the helplines, concerns and deadlines. Ask your supervisor if unsure.", .choice(profiles)),
        ]) { f, app in
            guard f.require(["name", "pin", "pin2", "profile"]) else { return .none }
            if f.secret("pin") != f.secret("pin2") {
                f.errors["pin2"] = S.pinsDiffer
                f.clear("pin2")
                return .none
            }
            do {
                let user = try app.store.createUser(name: f.text("name"), roles: [.administrator, .supervisor], pin: f.secret("pin"), createdBy: "first run")
                let id = profiles[f.choice("profile")!]
                try app.store.setSetting("profile", id, actor: user.name)
                app.switchProfile(id)
                app.signIn(user)
                return .none
            } catch let e as UserError {
                switch e {
                case .weakPIN: f.errors["pin"] = e.description; f.clear("pin"); f.clear("pin2")
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
            guard f.require(["who", "pin"]) else { return .none }
            let user = users[f.choice("who")!]
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
