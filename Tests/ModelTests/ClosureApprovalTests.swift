import Testing
@testable import Model

@Suite("Closure approval: a high-risk or urgent case closes only with a supervisor (issue #4, issue #16)")
struct ClosureApprovalTests {
    @Test func highRiskOrUrgentNeedsSomeoneWhoMayApprove() {
        #expect(ClosureApproval.decide(risk: .high, urgent: false, roles: [.focalPoint], demo: false) == .needsApproval)
        #expect(ClosureApproval.decide(risk: .low, urgent: true, roles: [.focalPoint], demo: false) == .needsApproval)
        #expect(ClosureApproval.decide(risk: nil, urgent: true, roles: [.focalPoint], demo: false) == .needsApproval)
        #expect(ClosureApproval.decide(risk: .high, urgent: true, roles: [.supervisor], demo: false) == .close)
        #expect(ClosureApproval.decide(risk: .high, urgent: false, roles: [.focalPoint, .supervisor], demo: false) == .close)
        // An administrator runs the system but does no case work; a trainer approves only on the demo.
        #expect(ClosureApproval.decide(risk: .high, urgent: false, roles: [.administrator], demo: false) == .needsApproval)
        #expect(ClosureApproval.decide(risk: .high, urgent: false, roles: [.trainer], demo: true) == .close)
        #expect(ClosureApproval.decide(risk: .high, urgent: false, roles: [.trainer], demo: false) == .needsApproval)
    }

    @Test func otherCasesCloseForAnyone() {
        for risk in [RiskLevel.low, .medium, nil] {
            #expect(!ClosureApproval.isRequired(risk: risk, urgent: false))
            #expect(ClosureApproval.decide(risk: risk, urgent: false, roles: [.focalPoint], demo: false) == .close)
        }
    }
}
