import Foundation
import I18n
import Model
import Storage

/// The district recovery key (issue #17): asked right after the first run, and from the Users screen (`r`) later.
/// Without it, a lost or broken laptop takes its children's records with it; with it, the district office can open
/// any backup of this kiosk (`kinga restore FILE --recovery-key KEY` on a new laptop).
enum RecoveryKeyScreens {
    /// The three ways: the district office's key file, a key made now, or later (not advised). On the first run
    /// "later" is offered too, so that a kiosk set up far from the office still works; the Users screen keeps the
    /// way back (`r`).
    static func choose(firstRun: Bool, alreadySet: Bool = false) -> FormScreen {
        let intro = tr("recovery.intro") + (alreadySet ? "\n\n" + tr("recovery.alreadySet") : "")
        let options = [tr("recovery.fromFile"), tr("recovery.makeNow"), tr(firstRun ? "recovery.later" : "recovery.notNow")]
        let form = FormScreen(title: tr("recovery.title"), intro: intro, submitLabel: tr("recovery.submit"), helpKey: "help.recovery", fields: [
            FormField("how", tr("recovery.how"), .choice(options)),
            FormField("file", tr("recovery.file"), hint: tr("recovery.file.hint"), .line(limit: 400)),
        ]) { f, app in
            guard f.require(["how"]), let how = f.choice("how") else { return .none }
            do {
                switch how {
                case 0:
                    guard f.require(["file"]) else { return .none }
                    try app.store.setDistrictKey(fromFile: f.text("file"))
                    app.flash = (tr("recovery.fileSet"), .success)
                    return .pop
                case 1:
                    return .replace(showOnce(try app.store.newRecoveryKey()))
                default:
                    app.flash = (tr("recovery.skipped"), .warning)
                    return .pop
                }
            } catch let e as DistrictKeyError {
                f.errors["file"] = tr(e == .notAKey ? "recovery.notAKey" : "recovery.unreadable")
            } catch {
                app.flash = (S.cycleError(error), .danger)
            }
            return .none
        }
        form.escapeLeaves = !firstRun
        if firstRun { form.extraKeys = { key, _ in key == .ctrl("q") ? .quit : nil } }
        return form
    }

    /// The recovery key, shown this once: the person writes it down and types its last group back, so that a key
    /// nobody wrote down is noticed now rather than on the day it is needed; only then is it set. Esc does not
    /// leave (Ctrl-Q does, and then no key is set).
    static func showOnce(_ pending: PendingRecoveryKey) -> FormScreen {
        let groups = pending.recoveryText.split(separator: "-").map(String.init)
        let half = (groups.count + 1) / 2
        let shown = groups[..<half].joined(separator: "-") + "\n" + groups[half...].joined(separator: "-")
        let last = groups.last ?? ""
        let form = FormScreen(title: tr("recovery.showTitle"), intro: tr("recovery.showIntro", ["key": shown]),
                              submitLabel: tr("recovery.showSubmit"), helpKey: "help.recovery", fields: [
            FormField("check", tr("recovery.check"), hint: tr("recovery.check.hint"), .line(limit: 8)),
        ]) { f, app in
            guard f.require(["check"]) else { return .none }
            let typed = f.text("check").uppercased().replacingOccurrences(of: "O", with: "0")
                .replacingOccurrences(of: "I", with: "1").replacingOccurrences(of: "L", with: "1")
            guard typed == last else {
                f.errors["check"] = tr("recovery.checkWrong")
                return .none
            }
            // Only now, written down, is it sealed into the kiosk's key file.
            do { try app.store.keep(pending) } catch {
                app.flash = (S.cycleError(error), .danger)
                return .none
            }
            app.flash = (tr("recovery.made"), .success)
            return .pop
        }
        form.escapeLeaves = false
        form.extraKeys = { key, _ in key == .ctrl("q") ? .quit : nil }
        return form
    }
}
