import Foundation
import I18n
import Model
import Storage

/// How joining the district went, as the screens say it (the `kinga` executable maps the network code's errors to
/// these, so the words are in the user's language).
public enum EnrolOutcome: Equatable, Sendable {
    /// Joined: the kiosk's code (`K07`).
    case joined(kioskCode: String)
    /// Not an `https://` address.
    case badAddress
    /// The fingerprint typed is not 64 hexadecimal digits.
    case badFingerprint
    /// The server's certificate is not the one the district office gave.
    case fingerprintMismatch
    /// No answer from the server.
    case unreachable
    /// The server refused the code (used, expired, unknown); its words.
    case refused(String)
    /// Something answered, but not a Kinga district server.
    case notKingaServer
    /// This kiosk already joined a district.
    case alreadyJoined
    /// Anything else, with the reason.
    case failed(String)
}

/// Joining the district server from the Users screen (`j`, issue #18): the same as `kinga enroll`.
enum DistrictScreens {
    /// The three things the district office gives, then "Connecting…" while the server is reached.
    /// - Parameter setAside: the link a restore set aside (`KingaStore.setAsideLink`): the form then says why this
    ///   kiosk joins again, and what happens to what it holds.
    static func join(setAside: SetAsideLink? = nil) -> FormScreen {
        let form = FormScreen(title: tr("district.title"), intro: tr("district.intro"), submitLabel: tr("district.submit"), helpKey: "help.district", fields: [
            FormField("url", tr("district.url"), hint: tr("district.url.hint"), .line(limit: 200)),
            FormField("code", tr("district.code"), hint: tr("district.code.hint"), .line(limit: 40)),
            FormField("fingerprint", tr("district.fingerprint"), hint: tr("district.fingerprint.hint"), .line(limit: 120)),
        ]) { f, app in
            guard f.require(["url", "code", "fingerprint"]) else { return .none }
            guard let enrol = app.enrolInDistrict else {
                app.flash = (tr("district.unavailable"), .danger)
                return .none
            }
            let (url, code, fingerprint) = (f.text("url"), f.text("code"), f.text("fingerprint"))
            f.banner = (tr("district.connecting"), .warning)
            app.deferredWork = { [weak f] in
                f?.banner = nil
                switch enrol(url, code, fingerprint) {
                case .joined(let kiosk):
                    app.flash = (tr("district.joined", ["kiosk": kiosk]), .success)
                    return .pop
                case .badAddress: f?.errors["url"] = tr("district.badAddress")
                case .badFingerprint: f?.errors["fingerprint"] = tr("district.badFingerprint")
                case .fingerprintMismatch: f?.errors["fingerprint"] = tr("district.mismatch")
                case .unreachable: app.flash = (tr("district.unreachable"), .danger)
                case .refused(let why): f?.errors["code"] = tr("district.refused", ["why": why])
                case .notKingaServer: f?.errors["url"] = tr("district.notKinga")
                case .alreadyJoined: app.flash = (tr("district.already"), .warning)
                case .failed(let why): app.flash = (tr("district.failed", ["why": why]), .danger)
                }
                if let f, !f.errors.isEmpty { f.showErrors(app) }
                return .none
            }
            return .none
        }
        if let aside = setAside { form.banner = (tr("district.setAside", ["kiosk": aside.kioskCode]), .warning) }
        return form
    }
}

extension DistrictScreens {
    /// A supervisor pins a case to another kiosk of the district (issue #18; `KingaStore.pinCase`): one field, the
    /// kiosk's code. A wrong code is said at the field and stays there to be corrected.
    static func pin(caseID: UUID) -> FormScreen {
        FormScreen(title: tr("pin.title"), intro: tr("pin.intro"), submitLabel: tr("pin.submit"), helpKey: "help.caseDetail", fields: [
            FormField("kiosk", tr("pin.kiosk"), hint: tr("pin.kiosk.hint"), .line(limit: 8)),
        ]) { f, app in
            guard f.require(["kiosk"]), app.session != nil else { return .none }
            do {
                try app.store.pinCase(caseID: caseID, to: f.text("kiosk"))
                app.flash = (tr("pin.done", ["kiosk": f.text("kiosk").trimmingCharacters(in: .whitespaces).uppercased()]), .success)
                return .pop
            } catch CasePinError.badKioskCode {
                f.errors["kiosk"] = tr("pin.badCode")
            } catch CasePinError.thisKiosk {
                f.errors["kiosk"] = tr("pin.thisKiosk")
            } catch {
                app.flash = (S.cycleError(error), .danger)
                return .none
            }
            f.showErrors(app)
            return .none
        }
    }
}

/// How sending this kiosk's changes to the district went, as the screens say it (the `kinga` executable runs the
/// push, which the screens never link, and maps its outcome to these).
public enum SyncOutcome: Equatable, Sendable {
    /// Synced: how many changes the server took for the first time, how many it already had, how many still wait;
    /// how many rows here changed with what came down, and how many conflicts wait for a supervisor.
    case sent(applied: Int, duplicates: Int, waiting: Int, received: Int = 0, conflicts: Int = 0)
    /// No answer from the server (no network, server stopped): nothing is lost, the changes wait.
    case unreachable
    /// The server showed a certificate other than the pinned one: refused, nothing sent.
    case certificateChanged
    /// The server refused (a revoked kiosk, a wrong token, a refused push); its words.
    case refused(String)
    /// Anything else, with the reason.
    case failed(String)
}

/// Sending this kiosk's changes to the district server (issue #18): the same as `kinga sync`, for anyone logged
/// in on a kiosk that joined a district (Home, `y`). It says where the kiosk sends, how many changes wait and
/// when they last went; Enter sends them, with "Sending…" on screen while the server is reached.
final class SyncScreen: Screen {
    var title: String { tr("sync.title") }
    var helpKey: String { "help.sync" }
    private var link: DistrictLinkInfo?
    private var standing = SyncStanding(waiting: 0, acknowledged: 0, lastPushAt: nil)
    private var message: (text: String, style: Style)?
    private var loadError: String?

    func appear(_ app: App) {
        do {
            link = try app.store.districtLink()
            standing = try app.store.syncStanding()
            loadError = nil
        } catch {
            loadError = S.cycleError(error)
        }
    }

    func hints(_ app: App) -> [(String, String)] { [("Enter", tr("sync.kSend")), ("Esc", S.kBack), ("?", S.kHelp)] }

    func render(_ g: inout Grid, _ area: Rect, _ app: App) {
        let x = area.x + 2, w = max(10, area.width - 4)
        var y = area.y + 1
        if let e = loadError {
            Draw.paragraph(&g, e, x: x, y: y, width: w, maxY: area.maxY, style: .danger)
            return
        }
        guard let link else {
            Draw.paragraph(&g, tr("sync.notLinked"), x: x, y: y, width: w, maxY: area.maxY, style: .warning)
            return
        }
        y = Draw.paragraph(&g, tr("sync.where", ["kiosk": link.kioskCode.rawValue, "name": link.kioskName, "url": link.serverURL]),
                           x: x, y: y, width: w, maxY: area.maxY) + 1
        y = Draw.paragraph(&g, tr("sync.waiting", ["count": String(standing.waiting)]), x: x, y: y, width: w, maxY: area.maxY,
                           style: standing.waiting > 0 ? .warning : .normal)
        let last = standing.lastPushAt.map { tr("sync.last", ["when": S.dateTime($0, app.clock.timeZone)]) } ?? tr("sync.never")
        y = Draw.paragraph(&g, last, x: x, y: y, width: w, maxY: area.maxY, style: .muted) + 1
        if let m = message ?? said(app) { y = Draw.paragraph(&g, m.text, x: x, y: y, width: w, maxY: area.maxY, style: m.style) + 1 }
        Draw.paragraph(&g, tr("sync.how"), x: x, y: y, width: w, maxY: area.maxY, style: .muted)
    }

    func handle(_ key: Key, _ app: App) -> Action {
        switch key {
        case .escape: return .pop
        case .enter:
            guard link != nil else { return .none }
            guard app.syncWithDistrict != nil else {
                message = (tr("sync.unavailable"), .danger)
                return .none
            }
            // The sync runs off the loop: this screen, and every other, keeps answering keys meanwhile.
            app.startSync()
            return .none
        default: return .none
        }
    }

    /// A sync ended (or the store changed): read the counts again.
    func dataChanged(_ cases: Set<UUID>, _ app: App) { appear(app) }

    /// What the last sync came to, in the user's words; "Syncing…" while one runs.
    private func said(_ app: App) -> (text: String, style: Style)? {
        if app.syncRunning { return (tr("sync.sending"), .warning) }
        guard let outcome = app.lastSyncOutcome else { return nil }
        switch outcome {
        case .sent(let applied, let duplicates, _, let received, let conflicts):
            // What waits now is the count above, read afresh: the outcome says what this sync did.
            var text = applied + duplicates > 0 ? tr("sync.sent", ["count": String(applied + duplicates)]) : tr("sync.nothing")
            text += " " + tr("sync.received", ["count": String(received)])
            if conflicts > 0 { text += " " + tr("sync.conflicts", ["count": String(conflicts)]) }
            return (text, conflicts > 0 ? .warning : .success)
        case .unreachable: return (tr("sync.unreachable"), .danger)
        case .certificateChanged: return (tr("sync.certificate"), .danger)
        case .refused(let why): return (tr("sync.refused", ["why": why]), .danger)
        case .failed(let why): return (tr("sync.failed", ["why": why]), .danger)
        }
    }
}
