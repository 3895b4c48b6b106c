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
    static func join() -> FormScreen {
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
        return form
    }
}
