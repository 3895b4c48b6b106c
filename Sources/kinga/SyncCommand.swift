import ArgumentParser
import DistrictLink
import Vault
import Foundation
import Model
import Storage
import TUI

/// What one sync sent, for the person who asked.
struct PushSummary: Equatable {
    /// Changes the server took for the first time, and changes it already had (a resend after a lost reply).
    var applied = 0
    var duplicates = 0
    /// Pushes sent.
    var pushes = 0
    /// Changes still waiting on the kiosk afterwards.
    var waiting = 0
    /// What came down from the server (`KingaStore.takePull`).
    var pulled = PullSummary()
    /// Conflicts on this kiosk's rows that wait for a supervisor, afterwards.
    var conflictsWaiting = 0
}

/// Sends every change waiting on this kiosk to its district server (issue #18), push after push of at most
/// `SyncLimits.maxChangesPerPush`, each prepared, sent over the pinned connection and recorded before the next.
/// A push whose reply is lost is sent again next time with the same numbers; the server acknowledges what it
/// already had, so nothing is lost and nothing applied twice.
/// - Parameters: `store` the handle of the person logged in; `connection` the sync's kept-open connection.
/// - Returns: what was sent.
/// - Throws: `DistrictJoinError.notLinked`; `DistrictLinkError` (unreachable, refused); `SyncRefusal` when the
///   server refused a push (nothing of it applied); the store's errors.
func pushWaitingChanges(_ store: KingaStore, over connection: DistrictConnection) throws -> PushSummary {
    guard let link = try store.districtLink() else { throw DistrictJoinError.notLinked }
    let token = try store.districtToken()
    let sign = try signer(store)
    var summary = PushSummary()
    // Only the link's own bookkeeping waiting (its audit rows): they go with the next push that carries a person's
    // change, so a kiosk syncing in the background every few minutes does not send itself its own records for ever.
    guard try store.syncStanding().waiting > 0 else { return summary }
    // Each push records itself in the audit log, and that row is a change for the server too: the sync is done once
    // the server has everything numbered when it began, so the sync's own rows go with the next one.
    var target: Int?
    for _ in 0..<10_000 {
        guard let push = try store.preparePush() else { break }
        if target == nil { target = try store.numberedThrough() }
        let (url, pem) = (link.serverURL, link.certificatePEM)
        let reply = try waitFor { try await DistrictClient.push(push, serverURL: url, certificatePEM: pem, token: token, sign: sign, over: connection) }
        summary.pushes += 1
        switch try store.takePushReply(reply) {
        case .acknowledged(let applied, let duplicates):
            summary.applied += applied
            summary.duplicates += duplicates
        case .refused(let refusal):
            throw refusal
        }
        if reply.acceptedThrough < (push.changes.last?.kioskSeq ?? 0) { break }   // the server took less: stop, try later
        if reply.acceptedThrough >= (target ?? 0) { break }
    }
    summary.waiting = try store.syncStanding().waiting
    return summary
}

/// The kiosk's own key as the district client's signer, or nil for a kiosk that has none (joined before kiosks had
/// keys; the server then accepts its token alone, and refuses it once it knows a key for it).
/// - Throws: `VaultError.kioskKeyDamaged` when the key file cannot be used.
func signer(_ store: KingaStore) throws -> DistrictClient.Signer? {
    guard let identity = try store.kioskIdentity() else { return nil }
    return { identity.sign($0) }
}

/// One whole sync (issue #18): first the waiting changes go up (`pushWaitingChanges`), then the district's changes
/// come down, pull after pull until the server has no more (`KingaStore.takePull` applies each in one
/// transaction; a pull lost on the way is asked again from the same number, so nothing is applied twice).
/// Pushing first means the server has merged this kiosk's changes before the kiosk reads the district's. Every
/// request of the sync goes over one kept-open connection (`DistrictConnection`): one TLS handshake, not one a
/// request.
/// - Parameter store: the handle of the person logged in.
/// - Returns: what went up and what came down.
/// - Throws: as `pushWaitingChanges`; `SyncRefusal` for a pull reply out of order (nothing of it applied).
func syncWithDistrict(_ store: KingaStore) throws -> PushSummary {
    guard let link = try store.districtLink() else { throw DistrictJoinError.notLinked }
    // One connection for the whole sync, closed however it ends.
    let connection = try DistrictConnection(certificatePEM: link.certificatePEM)
    defer { _ = try? waitFor { await connection.close() } }
    var summary = try pushWaitingChanges(store, over: connection)
    let token = try store.districtToken()
    let sign = try signer(store)
    for _ in 0..<100_000 {
        let request = try store.preparePull()
        let (url, pem) = (link.serverURL, link.certificatePEM)
        let reply = try waitFor { try await DistrictClient.pull(request, serverURL: url, certificatePEM: pem, token: token, sign: sign, over: connection) }
        summary.pulled.add(try store.takePull(reply, for: request))
        if !reply.more { break }
    }
    summary.waiting = try store.syncStanding().waiting
    summary.conflictsWaiting = try store.openSyncConflicts()
    return summary
}

/// Sends the waiting changes for the Sync screen (Home `y`): the same steps as `kinga sync`, with the outcome in
/// the screens' terms so they say it in the user's language. The caller is the person in session.
func syncFromScreen(_ store: KingaStore) -> SyncOutcome {
    do {
        let s = try syncWithDistrict(store)
        return .sent(applied: s.applied, duplicates: s.duplicates, waiting: s.waiting, received: s.pulled.changedHere,
                     conflicts: s.conflictsWaiting)
    } catch let r as SyncRefusal {
        return .refused(r.message)
    } catch DistrictLinkError.unreachable {
        return .unreachable
    } catch DistrictLinkError.certificateChanged {
        return .certificateChanged
    } catch let e as DistrictLinkError {
        if case .refused(let why) = e { return .refused(why) }
        return .failed(e.description)
    } catch {
        return .failed("\(error)")
    }
}

/// `kinga sync --user NAME`: sends this kiosk's waiting changes to the district server and receives the district's
/// (issue #18).
struct Sync: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Send this kiosk's changes to the district server and receive the district's.",
        discussion: """
            Every change made on a kiosk that joined a district waits in its outbox until the district server has it. \\
            This sends them over the server's pinned certificate, oldest first, then brings the district's changes in \\
            the server's order. Without a network nothing is lost: the changes wait and go with the next sync, and a \\
            change the server already has is never applied twice. A change that arrives never overwrites one made \\
            here that has not gone up yet; the same detail changed two ways on two kiosks waits for a supervisor. \\
            Anyone with an account on this kiosk may sync, after their PIN.
            """)

    @OptionGroup var database: DatabaseChoice

    @Option(name: .long, help: ArgumentHelp("Your name as on the login screen (asks for your PIN).", valueName: "name"))
    var user: String

    func run() throws {
        guard !database.demo else { throw Failure(message: "The demo never joins a district: it holds fictional data only.") }
        let (store, _) = try database.open(ToolAccess(user: user, purpose: "sent"))
        guard let link = try store.districtLink() else {
            throw Failure(message: try store.setAsideLink()?.advice ?? DistrictJoinError.notLinked.description)
        }
        let summary: PushSummary
        func waiting() -> Int { (try? store.syncStanding().waiting) ?? 0 }
        do { summary = try syncWithDistrict(store) } catch let r as SyncRefusal {
            throw Failure(message: "The district server refused the changes: \(r.message) Nothing of that push was applied; \(waiting()) changes wait on this kiosk and will not go until the district office has looked. Ask the district office.")
        } catch DistrictLinkError.unreachable(let why) {
            throw Failure(message: "The district server does not answer (\(why)). Check the network, then run kinga sync again. \(waiting()) changes made here wait safely on this kiosk and go with the next sync.")
        } catch let e as DistrictLinkError {
            throw Failure(message: "\(e.description) \(waiting()) changes wait on this kiosk. Ask the district office.")
        }
        if summary.applied + summary.duplicates == 0 {
            print("Nothing to send: the district server (\(link.kioskCode) at \(link.serverURL)) has every change made here.")
        } else {
            var line = "Sent to the district server (\(link.kioskCode) at \(link.serverURL)): \(summary.applied) changes"
            if summary.duplicates > 0 { line += ", and \(summary.duplicates) it already had" }
            print(line + ".")
        }
        let p = summary.pulled
        var came = "Received from the district: \(p.changedHere) changes here"
        if p.keptWaiting > 0 { came += "; \(p.keptWaiting) details kept as changed here (they go up next)" }
        if p.notHeldHere > 0 { came += "; \(p.notHeldHere) about cases this kiosk does not hold" }
        if p.notApplied > 0 { came += "; \(p.notApplied) this kiosk could not take (the district keeps them; see the audit log)" }
        print(came + ".")
        print(summary.waiting == 0 ? "Nothing waits on this kiosk." : "\(summary.waiting) changes still wait; run kinga sync again.")
        if summary.conflictsWaiting > 0 {
            print("\(summary.conflictsWaiting) details were changed two ways on two kiosks and wait for a supervisor; until then Kinga follows the safer value.")
        }
    }
}
