import Testing
@testable import Model

@Suite("Roles and permissions: the whole matrix")
struct AccessTests {
    @Test("every role × permission × own case × demo", arguments: Role.allCases)
    func matrix(role: Role) {
        for p in Permission.allCases {
            for own in [false, true] {
                for demo in [false, true] {
                    let got = Access.allows(role, p, ownCase: own, demo: demo)
                    let expected: Bool
                    switch role {
                    case .trainer: expected = demo && p != .manageUsers && p != .backup
                    case .focalPoint: expected = p == .createReport || ([.viewCase, .editCase, .viewNarrative].contains(p) && own)
                    case .supervisor: expected = ![.manageUsers, .manageProfile, .backup].contains(p)
                    case .administrator: expected = [.manageUsers, .manageDirectory, .manageProfile, .backup, .exportCases, .viewAudit, .viewCase].contains(p)
                    }
                    #expect(got == expected, "\(role) \(p) own=\(own) demo=\(demo)")
                }
            }
        }
    }

    @Test func keyRules() {
        #expect(!Access.allows(.focalPoint, .viewNarrative, ownCase: false, demo: false))
        #expect(Access.allows(.focalPoint, .editCase, ownCase: true, demo: false))
        #expect(!Access.allows(.administrator, .viewNarrative, ownCase: true, demo: false))
        #expect(Access.allows(.supervisor, .overrideConsent, demo: false))
        #expect(!Access.allows(.focalPoint, .overrideConsent, ownCase: true, demo: false))
        #expect(!Access.allows(.trainer, .viewCase, ownCase: true, demo: false))
    }

    @Test("PIN rules", arguments: [("12345", PINRule.Problem?.some(.tooShort)), ("111111", .allSameDigit), ("123456", .sequence),
                                   ("654321", .sequence), ("902134", nil), ("short", .tooShort), ("a long passphrase", nil)])
    func pins(pin: String, problem: PINRule.Problem?) {
        #expect(PINRule.problem(pin) == problem)
    }

    @Test func backOffGrows() {
        #expect(PINRule.lockSeconds(afterFailures: 4) == 0)
        #expect(PINRule.lockSeconds(afterFailures: 5) == 30)
        #expect(PINRule.lockSeconds(afterFailures: 6) == 60)
        #expect(PINRule.lockSeconds(afterFailures: 20) == 3600)
    }

    @Test("a profile can ask passphrases for the roles that see every case, and longer PINs (issue #17)")
    func pinPolicy() {
        let strict = PINPolicy(minimumDigits: 8, minimumPassphrase: 12, passphraseRoles: [.supervisor, .administrator])
        #expect(PINRule.problem("582046", roles: [.focalPoint], policy: strict) == .tooFewDigits(minimum: 8))
        #expect(PINRule.problem("58204613", roles: [.focalPoint], policy: strict) == nil)
        #expect(PINRule.problem("58204613", roles: [.supervisor], policy: strict) == .passphraseRequired(minimum: 12))
        #expect(PINRule.problem("river stones", roles: [.supervisor], policy: strict) == nil)
        #expect(PINRule.problem("short words", roles: [.focalPoint, .administrator], policy: strict) == .passphraseRequired(minimum: 12))
        // The defaults are Kinga's rules, and a profile cannot go below them.
        #expect(PINRule.problem("582046", roles: [.supervisor], policy: PINPolicy()) == nil)
        #expect(PINRule.problem("123456", roles: [.supervisor], policy: PINPolicy()) == .sequence)
        #expect(PINPolicy(minimumDigits: 4, minimumPassphrase: 2).minimumDigits == 6)
    }
}
