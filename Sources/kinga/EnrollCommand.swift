import ArgumentParser
import DistrictLink
import Foundation
import Vault
import Storage
import TUI

/// `kinga enroll URL CODE --fingerprint FP --user NAME`: this kiosk joins its district (issue #18).
struct Enroll: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Join the district server: pin its certificate, redeem the enrolment code, switch the outbox on.",
        discussion: """
            The district office gives three things: the server's address (https://HOST:PORT), a single-use enrolment \\
            code (from 'kinga-server kiosk add') and the server's certificate fingerprint (from 'kinga-server init'). \\
            Kinga checks the certificate against the fingerprint before it sends anything, and from then on trusts that \\
            certificate and no other. New case numbers then carry the kiosk's code (KG-2026-K07-0043); numbers given \\
            before stay as they are. An administrator's change, made after their PIN, and written to the audit log.
            """)

    @OptionGroup var database: DatabaseChoice

    @Argument(help: ArgumentHelp("The district server, https://HOST:PORT.", valueName: "url"))
    var url: String

    @Argument(help: ArgumentHelp("The single-use enrolment code, XXXX-XXXX-XXXX.", valueName: "code"))
    var code: String

    @Option(name: .long, help: ArgumentHelp("The server certificate's SHA-256 fingerprint (AB:CD:…), from the district office.", valueName: "fingerprint"))
    var fingerprint: String

    @Option(name: .long, help: ArgumentHelp("Your name as on the login screen (an administrator; asks for your PIN).", valueName: "name"))
    var user: String

    func run() throws {
        guard !database.demo else { throw Failure(message: "The demo never joins a district: it holds fictional data only.") }
        let (store, _) = try database.open(ToolAccess(user: user, purpose: "changed", allowed: { $0.can(.manageUsers, demo: $1) }, refused: { account, store in
            try? store?.recordAudit(action: "district.enrol_refused", detail: "\(account.name), role \(account.roleWords)")
            return "Only an administrator may join a district (\(account.name) is \(account.roleWords)). Nothing was changed."
        }))
        if let joined = try store.districtLink() {
            throw Failure(message: "This kiosk already joined the district at \(joined.serverURL) as \(joined.kioskCode). Nothing was changed.")
        }
        let join: DistrictJoin
        // The kiosk's own key pair: its public half goes to the server, which then accepts only signed requests.
        let identity = try KioskIdentity.generate()
        let publicKey = identity.publicKey
        do { join = try waitFor { try await DistrictClient.enrol(url: url, code: code, fingerprint: fingerprint, publicKey: publicKey) } } catch {
            throw Failure(message: "\(error)")
        }
        do {
            try store.joinDistrict(serverURL: join.serverURL, certificatePEM: join.certificatePEM, fingerprint: join.fingerprint,
                                   kioskCode: join.enrolment.kioskCode, kioskName: join.enrolment.name,
                                   villages: join.enrolment.villages, token: join.enrolment.token, identity: identity)
        } catch {
            throw Failure(message: "The server enrolled this kiosk as \(join.enrolment.kioskCode), but Kinga could not keep it: \(error). Ask the district office for a new code.")
        }
        print("""
            This kiosk is now \(join.enrolment.kioskCode) (\(join.enrolment.name)) in the district at \(join.serverURL).
            Villages: \(join.enrolment.villages.joined(separator: ", ")).
            New case numbers carry \(join.enrolment.kioskCode), for example KG-2026-\(join.enrolment.kioskCode)-0001. From now on every change is kept for the district server.
            """)
    }
}

/// Joins the district for the Users screen's form (`j`): the same steps as `kinga enroll`, with the outcome in
/// the screens' terms so they say it in the user's language. The caller is an administrator in session.
func enrolFromScreen(_ store: KingaStore, url: String, code: String, fingerprint: String) -> EnrolOutcome {
    if (try? store.districtLink()) != nil { return .alreadyJoined }
    do {
        let identity = try KioskIdentity.generate()
        let publicKey = identity.publicKey
        let join = try waitFor { try await DistrictClient.enrol(url: url, code: code, fingerprint: fingerprint, publicKey: publicKey) }
        try store.joinDistrict(serverURL: join.serverURL, certificatePEM: join.certificatePEM, fingerprint: join.fingerprint,
                               kioskCode: join.enrolment.kioskCode, kioskName: join.enrolment.name,
                               villages: join.enrolment.villages, token: join.enrolment.token, identity: identity)
        return .joined(kioskCode: join.enrolment.kioskCode.rawValue)
    } catch let e as DistrictLinkError {
        switch e {
        case .badAddress: return .badAddress
        case .badFingerprint: return .badFingerprint
        case .fingerprintMismatch, .certificateChanged: return .fingerprintMismatch
        case .unreachable: return .unreachable
        case .refused(let why): return .refused(why)
        case .notKingaServer: return .notKingaServer
        }
    } catch DistrictJoinError.alreadyLinked {
        return .alreadyJoined
    } catch {
        return .failed("\(error)")
    }
}
