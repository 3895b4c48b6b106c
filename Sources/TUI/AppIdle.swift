import Foundation
import I18n
import Model
import Storage

/// The idle timers: the kiosk locks itself after the profile's minutes without a key, and the child-friendly
/// report asks "Are you still there?" before it wipes and starts again.
extension App {
    /// Seconds left before the idle lock, or nil when no lock is pending.
    public var idleSecondsLeft: Int? {
        guard let limit = idleLockSeconds, session != nil else { return nil }
        return max(0, limit - Int(uptime() - lastInput))
    }
    /// Checks the idle timers: in the child-friendly session, "Are you still there?" with a countdown, then a
    /// wipe and a fresh start; otherwise the lock countdown in the last 30 seconds, then the lock.
    public func checkIdle() {
        if let child = top as? ChildReportScreen {
            let left = max(0, childIdleSeconds + 30 - Int(uptime() - lastInput))
            if left == 0 {
                child.wipe()
                wipeRequested = true
                lastInput = uptime()
            } else if left <= 30 {
                child.stillThere = left
            }
            return
        }
        guard let left = idleSecondsLeft else { return }
        if left == 0 { lock() }
        else if left <= 30 { flash = (S.idleWarning(left), .warning) }
    }

    /// What the loop does on every turn, key or not: the idle timers, a background sync with the district when
    /// one is due (`syncIfDue`), and collecting a finished read-aloud process (so none stays behind as a zombie).
    public func housekeeping() {
        checkIdle()
        syncIfDue()
        Speaker.reap()
    }
}
