import Foundation
import I18n
import Model
import Storage

/// The district link off the loop (issue #18: "Sync runs in the background when the server is reachable and never
/// blocks typing"). A sync runs on a thread of its own with the handle of the person logged in when it started;
/// its outcome comes back to the loop as an event, and the screens read the store afresh. At most one runs at a
/// time. While someone is logged in on a joined kiosk, one starts every `backgroundSyncSeconds` (the first soon
/// after the login); the Sync screen starts one when asked.
extension App {
    /// Starts a sync now unless one is running, nobody is logged in or this Kinga cannot sync.
    /// - Returns: true when a sync started.
    @discardableResult
    func startSync() -> Bool {
        guard let sync = syncWithDistrict, session != nil, !syncRunning else { return false }
        syncRunning = true
        guard let handle = store as KingaStore? else { syncRunning = false; return false }
        let box = mailbox
        syncRunner { box.post(.syncFinished(sync(handle))) }
        return true
    }

    /// Starts a background sync when one is due (see the type's rules); called on every turn of the loop.
    func syncIfDue() {
        guard let every = backgroundSyncSeconds, session != nil, !syncRunning, syncWithDistrict != nil, !demo else { return }
        let now = uptime()
        if let last = lastSyncEnded, now - last < Double(every) { return }
        // A kiosk that has not joined a district has nothing to sync: look again after the same pause.
        guard (try? store.districtLink()) != nil else {
            lastSyncEnded = now
            return
        }
        startSync()
    }

    /// A sync ended: note how, and let the screen on top read the store again (new cases, counts, conflicts).
    func syncFinished(_ outcome: SyncOutcome) {
        syncRunning = false
        lastSyncEnded = uptime()
        lastSyncOutcome = outcome
        guard session != nil else { return }
        top.dataChanged([], self)   // called from `handle(_:)`, already in the reader's language
    }
}
