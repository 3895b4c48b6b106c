/// Roles of Kinga's users (names shown to users may be localised).
public enum Role: String, CaseIterable, Codable, Sendable {
    /// Records reports; works on own and assigned cases.
    case focalPoint = "focal_point"
    /// Sees the team's cases; approves and returns work; may override consent checks with a reason; reassigns.
    case supervisor
    /// Users, profile, service directory, backups; no case narratives (unless also a supervisor).
    case administrator
    /// The demo database only.
    case trainer
}

/// Things a user may be allowed to do.
public enum Permission: String, CaseIterable, Codable, Sendable {
    case createReport, viewCase, editCase, viewNarrative
    case overrideConsent, approveClosure, reassignCase, reviewQueue
    case manageUsers, manageDirectory, manageProfile, backup, exportCases, viewAudit
}

/// The permission matrix (issue #4), checked in Model/Storage so no screen can bypass it.
///
/// A focal point works on their own and assigned cases; a supervisor on every case of the team; an
/// administrator runs the system but reads no case narratives; a trainer may do everything a focal point
/// and a supervisor may, but only on the demo database.
public enum Access {
    /// True when a person with `role` may do `permission` (the matrix above).
    /// - Parameters:
    ///   - role: the user's role.
    ///   - permission: what they try to do.
    ///   - ownCase: the case is assigned to this user (ignored for permissions that are not about one case).
    ///   - demo: the database is the demo.
    public static func allows(_ role: Role, _ permission: Permission, ownCase: Bool = false, demo: Bool) -> Bool {
        switch role {
        case .trainer:
            guard demo else { return false }
            return permission != .manageUsers && permission != .backup
        case .focalPoint:
            switch permission {
            case .createReport: return true
            case .viewCase, .editCase, .viewNarrative: return ownCase
            default: return false
            }
        case .supervisor:
            switch permission {
            case .manageUsers, .manageProfile, .backup: return false
            default: return true
            }
        case .administrator:
            switch permission {
            case .manageUsers, .manageDirectory, .manageProfile, .backup, .exportCases, .viewAudit: return true
            case .viewCase: return true          // the case list and headers, for administration
            default: return false                // no narratives, no case work
            }
        }
    }
}

/// What a country profile asks of PINs (`pin_policy` in its YAML, issue #17). A six-digit PIN is enough at a
/// kiosk with a lockout, but a stolen laptop's key file can be attacked offline at about a day of one core for
/// every six-digit PIN (README, "What is encrypted"): a profile can require passphrases for the roles that see
/// every case.
public struct PINPolicy: Codable, Hashable, Sendable {
    /// Fewest digits in a PIN made of digits only (default 6, the floor: NIST SP 800-63B with rate limiting).
    public var minimumDigits: Int
    /// Fewest characters in a passphrase (default 8).
    public var minimumPassphrase: Int
    /// Roles whose members must use a passphrase, never digits only (default none; for example supervisors
    /// and administrators, who can unlock every case).
    public var passphraseRoles: Set<Role>

    /// Kinga's defaults: 6 digits, or a passphrase of 8 characters; no role needs a passphrase.
    public init(minimumDigits: Int = 6, minimumPassphrase: Int = 8, passphraseRoles: Set<Role> = []) {
        self.minimumDigits = max(6, minimumDigits)
        self.minimumPassphrase = max(8, minimumPassphrase)
        self.passphraseRoles = passphraseRoles
    }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.init(minimumDigits: try c.decodeIfPresent(Int.self, forKey: .minimumDigits) ?? 6,
                  minimumPassphrase: try c.decodeIfPresent(Int.self, forKey: .minimumPassphrase) ?? 8,
                  passphraseRoles: Set(try c.decodeIfPresent([Role].self, forKey: .passphraseRoles) ?? []))
    }

    enum CodingKeys: String, CodingKey {
        case minimumDigits = "minimum_digits"
        case minimumPassphrase = "minimum_passphrase_length"
        case passphraseRoles = "passphrase_for"
    }
}

/// PIN rules: at least 6 digits, or a passphrase of at least 8 characters (issue #4; NIST SP 800-63B allows
/// shorter secrets only with rate limiting, which the lockout provides); more when the profile's `PINPolicy`
/// asks (issue #17).
public enum PINRule {
    public enum Problem: Equatable, Sendable {
        case tooShort, allSameDigit, sequence
        /// The profile asks a passphrase of at least `minimum` characters for this person's role.
        case passphraseRequired(minimum: Int)
        /// The profile asks at least `minimum` digits.
        case tooFewDigits(minimum: Int)
    }

    /// What is wrong with `pin` for a person with `roles` under `policy`, or nil when it is good enough.
    public static func problem(_ pin: String, roles: Set<Role>, policy: PINPolicy) -> Problem? {
        let digitsOnly = !pin.isEmpty && pin.allSatisfy { $0.isASCII && $0.isNumber }
        if !roles.isDisjoint(with: policy.passphraseRoles), digitsOnly || pin.count < policy.minimumPassphrase {
            return .passphraseRequired(minimum: policy.minimumPassphrase)
        }
        if let p = problem(pin) { return p }
        if digitsOnly, pin.count < policy.minimumDigits { return .tooFewDigits(minimum: policy.minimumDigits) }
        if !digitsOnly, pin.count < policy.minimumPassphrase { return .passphraseRequired(minimum: policy.minimumPassphrase) }
        return nil
    }

    /// What is wrong with `pin` under Kinga's defaults, or nil.
    public static func problem(_ pin: String) -> Problem? {
        let digitsOnly = !pin.isEmpty && pin.allSatisfy { $0.isASCII && $0.isNumber }
        if digitsOnly {
            if pin.count < 6 { return .tooShort }
            if Set(pin).count == 1 { return .allSameDigit }
            let d = pin.compactMap(\.wholeNumberValue)
            let up = zip(d, d.dropFirst()).allSatisfy { $1 == ($0 + 1) % 10 }
            let down = zip(d, d.dropFirst()).allSatisfy { $1 == ($0 + 9) % 10 }
            if up || down { return .sequence }
            return nil
        }
        return pin.count < 8 ? .tooShort : nil
    }

    /// Seconds an account stays locked after `failures` wrong PINs: none before 5, then 30 s doubling each
    /// time, at most one hour (OWASP Authentication Cheat Sheet: account lockout with growing back-off).
    public static func lockSeconds(afterFailures failures: Int) -> Int {
        guard failures >= 5 else { return 0 }
        return min(3600, 30 << min(failures - 5, 7))
    }
}
