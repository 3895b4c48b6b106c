import Foundation
import I18n
import Model
import Storage

/// Trainer mode on the app (issue #8): the practice banner's status and the one-key demo reset.
extension App {
    /// The scenario being practised and where it stands, or nil (not the demo, or no practice started).
    /// - Parameter cached: the banner's reading, reused until the next event; screens read it fresh.
    func practiceStatus(cached: Bool = false) -> PracticeStatus? {
        if cached, let c = practiceCache { return c }
        var status: PracticeStatus?
        if demo, let p = try? store.practice(), let s = scenarios.first(where: { $0.id == p.scenarioID }) {
            let e = (try? store.practiceEvidence(since: p.startedAt)) ?? nil
            status = (s, PracticeCheck.states(s, evidence: e, marked: practiceMarked[s.id] ?? []), e)
        }
        practiceCache = .some(status)
        return status
    }

    /// Resets the demo in one key (trainer mode): a fresh demo from the seeds, everyone logged out, the login
    /// screen. Only a trainer, only on the demo.
    /// - Returns: nil when done, else what went wrong (in the user's language).
    @discardableResult
    func resetDemoNow() -> String? {
        guard demo, let fill = fillDemo, session?.roles.contains(.trainer) == true else { return S.demoResetTrainerOnly }
        do {
            try store.resetDemo(fill: fill)
        } catch {
            return S.demoResetFailed("\(error)")
        }
        practiceCache = nil
        try? store.recordAudit(action: "demo.reset")
        isDemoReset = true
        practiceMarked = [:]
        practiceHints = [:]
        logOutEveryone()
        flash = (S.demoResetDone, .success)
        return nil
    }
}
