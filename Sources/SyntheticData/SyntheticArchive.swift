import Foundation
import GRDB
import Model
import Storage

/// A deterministic, entirely fictional case archive for the benchmark (`kinga-bench`, issue #6).
///
/// The same `seed` and `cases` always give the same database: names in several scripts (Latin with
/// accents, Cyrillic, Arabic, Devanagari, Han, Hangul), invented villages, the generic profile's
/// protection concerns, 5–20 timeline events per case, statuses of a long-running archive (most cases
/// closed). Rows go in through bulk inserts in large transactions, not through `registerCase`: the point
/// is the shape and size of a real archive, quickly. The search index is filled by the same triggers as
/// in normal use. Audit entries are not generated; referrals only by `addReferrals`.
public enum SyntheticArchive {
    /// Bumped whenever the generated data changes, so cached benchmark databases are rebuilt.
    public static let version = 1

    /// A small, fast, seedable generator (SplitMix64, Steele et al. 2014). Not for anything secret.
    public struct Random {
        private var state: UInt64
        public init(seed: UInt64) { state = seed }
        public mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        /// Uniform in `0..<n` (n > 0).
        public mutating func below(_ n: Int) -> Int { Int(next() % UInt64(n)) }
        public mutating func pick<T>(_ a: [T]) -> T { a[below(a.count)] }
        public mutating func chance(_ p: Double) -> Bool { Double(next() % 1_000_000) < p * 1_000_000 }
        public mutating func uuid() -> UUID {
            let a = next(), b = next()
            var bytes = (UInt8(0), UInt8(0), UInt8(0), UInt8(0), UInt8(0), UInt8(0), UInt8(0), UInt8(0),
                         UInt8(0), UInt8(0), UInt8(0), UInt8(0), UInt8(0), UInt8(0), UInt8(0), UInt8(0))
            withUnsafeMutableBytes(of: &bytes) { p in
                withUnsafeBytes(of: a) { p.copyBytes(from: $0) }
                withUnsafeBytes(of: b) { UnsafeMutableRawBufferPointer(rebasing: p[8...]).copyBytes(from: $0) }
            }
            bytes.6 = (bytes.6 & 0x0F) | 0x40
            bytes.8 = (bytes.8 & 0x3F) | 0x80
            return UUID(uuid: bytes)
        }
    }

    /// Fictional given names in several scripts (none is meant to be a real child).
    public static let givenNames = [
        "José", "Josephine", "Joséphine", "Zoë", "Chileshe", "Mwila", "Bwalya", "Mutale", "Natasha", "Chanda",
        "Mulenga", "Thandiwe", "Ngozi", "Amani", "Siti", "Dewi", "Putri", "Rizky", "Ayu", "Bagus", "Wayan",
        "Nyoman", "Made", "Ketut", "Agus", "Sri", "Andrés", "Ana", "María", "Lucía", "Sofía", "Mateo", "Nicolás",
        "Chloé", "Léa", "Noël", "Hélène", "François", "Zoé", "Inès", "Maëlle", "Aïcha", "Fatou", "Moussa", "Awa",
        "Ousmane", "Mariam", "Ibrahim", "Yusuf", "Khadija", "Grace", "Peter", "Mercy", "Joseph", "Esther",
        "Ана", "Иван", "Мария", "Ольга", "Дмитрий", "ليلى", "أحمد", "فاطمة", "يوسف", "सीता", "राम", "अनीता",
        "王芳", "李娜", "张伟", "김민준", "이서연", "박지훈", "Nguyễn", "Thảo", "Đức", "Ngọc",
    ]
    /// Fictional family names.
    public static let familyNames = [
        "Banda", "Bandawe", "Phiri", "Tembo", "Mwale", "Zulu", "Lungu", "Mulenga", "Sakala", "Ngoma", "Daka",
        "Rahayu", "Susanti", "Wijaya", "Santoso", "Pratama", "Hidayat", "Kurniawan", "Setiawan", "Nugroho",
        "García", "Pérez", "Núñez", "Muñoz", "Gómez", "Lefèvre", "Dubois", "Moreau", "Girard", "Bonnaire",
        "Diallo", "Traoré", "Coulibaly", "Koné", "Ouédraogo", "Okafor", "Achieng", "Otieno", "Wanjiru",
        "Петрова", "Иванов", "Смирнова", "الحسن", "المنصور", "शर्मा", "वर्मा", "陈", "刘", "최", "정",
    ]
    private static let syllables = ["ka", "ma", "chi", "lu", "mbe", "nde", "sa", "wa", "ki", "to", "ru", "bo", "pa",
                                    "ngo", "zi", "li", "se", "ta", "mu", "ha", "ya", "ré", "lé", "ña"]
    private static let caregivers = ["mother", "father", "grandmother", "grandfather", "aunt", "uncle", "older sister",
                                     "older brother", "foster mother", "neighbour", "step-father", "guardian"]
    private static let fragments = [
        "stopped going to school last month", "works at the quarry from early morning", "was seen begging at the market",
        "has bruises on the arms", "said an adult at home hits her", "is to be married to an older man after the harvest",
        "was left alone after the flood", "looks hungry and tired at school", "sells goods by the road at night",
        "was sent to work in a house in town", "has not seen a health worker since the fever", "cries when the uncle visits",
        "lives with a grandmother who is ill", "was separated from the family at the camp", "was asked for photos online",
        "is caring for younger brothers alone", "was beaten by a teacher", "ran away from the fishing camp",
        "is missing school to fetch water", "has a disability and no support", "was hurt at the brick kiln",
        "was taken across the border by a man", "has been sad and silent for weeks", "was arrested for stealing food",
    ]
    private static let places = ["at the market", "near the river", "at school", "at home", "on the road to the mine",
                                 "at the church", "behind the clinic", "at the bus stop", "at the fish landing"]
    private static let concerns = ["physical_violence", "sexual_violence", "emotional_abuse", "neglect", "child_labour",
                                   "sexual_exploitation", "trafficking", "child_marriage", "separated", "child_headed_household",
                                   "vulnerable_caregiver", "disability", "serious_health", "mental_distress", "conflict_with_law",
                                   "out_of_school", "online_abuse"]

    /// `count` fictional village names, the same for the same seed.
    static func villages(_ count: Int, _ r: inout Random) -> [String] {
        (0..<count).map { i in
            var s = ""
            for _ in 0..<(2 + r.below(2)) { s += r.pick(syllables) }
            return s.prefix(1).uppercased() + s.dropFirst() + (i % 7 == 0 ? " Hill" : "")
        }
    }

    /// Fills `store` (which should be empty) with `cases` fictional cases.
    /// - Parameters:
    ///   - seed: the same seed gives the same data.
    ///   - assignees: user ids to assign cases to (round robin, one case in ten unassigned).
    ///   - progress: called with the number of cases written so far, about every 10,000.
    /// - Returns: the number of timeline events written.
    /// - Throws: database errors.
    @discardableResult
    public static func generate(into store: KingaStore, cases: Int, seed: UInt64 = 42, assignees: [UUID] = [],
                                progress: (Int) -> Void = { _ in }) throws -> Int {
        var r = Random(seed: seed)
        let villageNames = villages(max(50, min(2_000, cases / 200)), &r)
        let device = store.deviceID.uuidString
        // The archive spans six years before the store's "now", one case number series per year.
        let end = store.clock.now
        let span: TimeInterval = 6 * 365 * 86_400
        let startYear = LocalDate(end.addingTimeInterval(-span), in: store.clock.timeZone).year
        var serials: [Int: Int] = [:]
        var events = 0
        let batch = 10_000
        var written = 0
        while written < cases {
            let n = min(batch, cases - written)
            try store.upkeep { db in
                let insertCase = try db.cachedStatement(sql: """
                    INSERT INTO case_record(id, case_number, number_year, number_serial, device_id, version, created_at, updated_at,
                        last_activity_at, status, urgent, risk_level, child_name, sex, date_of_birth, approx_age, age_recorded_on,
                        village, caregiver, report_json, name_key, village_key, assigned_to, first_action_at, assessed, has_plan,
                        next_follow_up, closed_at, closure_reason, source)
                    VALUES (?, ?, ?, ?, ?, 1, ?, ?, ?, ?, ?, ?, ?, ?, NULL, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'intake')
                    """)
                let insertConcern = try db.cachedStatement(sql: "INSERT OR IGNORE INTO case_concern(case_id, concern, position) VALUES (?, ?, ?)")
                let insertEvent = try db.cachedStatement(sql: """
                    INSERT INTO case_event(id, case_id, device_id, version, created_at, updated_at, occurred_at, kind, author, summary, body)
                    VALUES (?, ?, ?, 1, ?, ?, ?, ?, ?, ?, ?)
                    """)
                for i in 0..<n {
                    // Cases are written oldest first, so case numbers rise with time as in real use.
                    let at = end.addingTimeInterval(-span + span * Double(written + i) / Double(max(1, cases)) - Double(r.below(3_600)))
                    let year = max(startYear, LocalDate(at, in: store.clock.timeZone).year)
                    let serial = (serials[year] ?? 0) + 1
                    serials[year] = serial
                    let id = r.uuid()
                    let given = r.pick(givenNames)
                    let name = r.chance(0.03) ? given : "\(given) \(r.pick(familyNames))"
                    let village = r.pick(villageNames)
                    var report = Report()
                    report.reporterKind = r.pick(ReporterKind.allCases)
                    report.childName = name
                    report.sex = r.pick([Sex.female, .male, .unknown])
                    let age = r.below(18)
                    report.approximateAgeText = String(age)
                    report.village = village
                    report.caregiver = "\(r.pick(familyNames)) (\(r.pick(caregivers)))"
                    let concernCount = 1 + r.below(3)
                    report.concerns = (0..<concernCount).map { _ in r.pick(concerns) }
                    let pronoun = report.sex == .male ? "He" : "She"
                    report.narrative = "\(given) \(r.pick(fragments)). \(pronoun) \(r.pick(fragments)) \(r.pick(places))."
                    report.whereHappened = r.pick(places)
                    report.inDangerNow = r.chance(0.05)
                    report.childAssent = .yes
                    report.caregiverConsent = r.chance(0.9) ? .yes : .no
                    let roll = r.below(100)
                    let age90 = end.timeIntervalSince(at) > 90 * 86_400
                    let status: CaseStatus = !age90 ? (roll < 85 ? .open : .closed)
                        : roll < 78 ? .closed : roll < 90 ? .open : roll < 95 ? .transferred : .duplicate
                    let eventCount = 5 + r.below(16)
                    let lastAt = min(end, at.addingTimeInterval(Double(eventCount) * Double(1 + r.below(20)) * 86_400))
                    let risk: RiskLevel? = r.chance(0.9) ? r.pick(RiskLevel.allCases) : nil
                    let assignee: UUID? = assignees.isEmpty || r.chance(0.1) ? nil : assignees[(written + i) % assignees.count]
                    let json = try KingaStore.encode(report)
                    let nowText = ISO8601.format(at)
                    try insertCase.execute(arguments: [
                        id.uuidString, CaseNumber(year: year, serial: serial).description, year, serial, device, nowText, ISO8601.format(lastAt),
                        ISO8601.format(lastAt), status.rawValue, report.inDangerNow == true, risk?.rawValue, name, report.sex?.rawValue ?? "unknown",
                        age, LocalDate(at, in: store.clock.timeZone).iso, village, report.caregiver, json,
                        DuplicateRule.key(name), DuplicateRule.key(village), assignee?.uuidString,
                        ISO8601.format(at.addingTimeInterval(86_400)), risk != nil, risk != nil,
                        status == .open ? LocalDate(lastAt.addingTimeInterval(Double(7 + r.below(60)) * 86_400), in: store.clock.timeZone).iso : nil,
                        status == .closed ? ISO8601.format(lastAt) : nil, status == .closed ? "goals_met" : nil,
                    ])
                    for (p, c) in report.concerns.enumerated() { try insertConcern.execute(arguments: [id.uuidString, c, p]) }
                    let kinds: [EventKind] = [.note, .assessment, .casePlan, .referralSent, .referralUpdated, .followUp, .followUp, .note]
                    for e in 0..<eventCount {
                        let kind: EventKind = e == 0 ? .reportReceived : e == 1 ? .consentRecorded
                            : (e == eventCount - 1 && status == .closed) ? .closed : r.pick(kinds)
                        let when = at.addingTimeInterval(lastAt.timeIntervalSince(at) * Double(e) / Double(eventCount - 1))
                        let summary = e == 0 ? "Report from a \(report.reporterKind?.rawValue ?? "person"): \(report.concerns.joined(separator: ", "))"
                            : "\(kind.rawValue.replacingOccurrences(of: "_", with: " ").capitalized) by the focal point"
                        let body = e == 0 ? report.narrative : "Visited \(given) \(r.pick(places)); \(r.pick(fragments))."
                        let t = ISO8601.format(when)
                        try insertEvent.execute(arguments: [r.uuid().uuidString, id.uuidString, device, t, t, t, kind.rawValue,
                                                            "Focal Point \(1 + r.below(40))", summary, body])
                        events += 1
                    }
                }
                for (year, last) in serials {
                    try db.execute(sql: "INSERT INTO case_counter(year, last_serial) VALUES (?, ?) ON CONFLICT(year) DO UPDATE SET last_serial = excluded.last_serial",
                                   arguments: [year, last])
                }
            }
            written += n
            progress(written)
        }
        // Statistics for the query planner, as `PRAGMA optimize` gathers them over time in normal use.
        try store.upkeep { db in try db.execute(sql: "ANALYZE") }
        return events
    }

    /// Adds fictional referrals to every case already in `store` (after `generate`): one invented provider
    /// per kind of service, and 0 to 3 referrals a case, sent up to 30 days after the case was registered and
    /// answered (accepted, declined, completed) or withdrawn up to 20 days later, some still pending. Like
    /// `generate`, rows go in directly, in one transaction; the same seed gives the same referrals. For tests
    /// and benchmarks of what reads referrals (statistics, exports).
    /// - Returns: the number of referrals written.
    /// - Throws: database errors.
    @discardableResult
    public static func addReferrals(into store: KingaStore, seed: UInt64 = 7) throws -> Int {
        var r = Random(seed: seed)
        let device = store.deviceID.uuidString
        let now = store.clock.now
        let tz = store.clock.timeZone
        let today = LocalDate(now, in: tz)
        var written = 0
        try store.upkeep { db in
            let nowText = ISO8601.format(now)
            var providers: [ServiceType: String] = [:]
            for service in ServiceType.allCases {
                let id = r.uuid().uuidString
                providers[service] = id
                try db.execute(sql: """
                    INSERT INTO service_provider(id, device_id, version, created_at, updated_at, name, service_types, area, contact, hours, notes, retired)
                    VALUES (?, ?, 1, ?, ?, ?, ?, '', '', '', '', 0)
                    """, arguments: [id, device, nowText, nowText, "Fictional \(service.rawValue.replacingOccurrences(of: "_", with: " ")) service",
                                     try KingaStore.encode([service.rawValue])])
            }
            let cases = try Row.fetchAll(db, sql: "SELECT id, created_at FROM case_record ORDER BY created_at, id")
            let insert = try db.cachedStatement(sql: """
                INSERT INTO referral(id, case_id, provider_id, device_id, version, created_at, updated_at, service_type, reason, urgent,
                    status, sent_on, responded_on)
                VALUES (?, ?, ?, ?, 1, ?, ?, ?, ?, ?, ?, ?, ?)
                """)
            // Formal services more often, as in the field.
            let services: [ServiceType] = [.health, .health, .health, .psychosocial, .psychosocial, .police, .socialWelfare, .socialWelfare,
                                           .legal, .education, .education, .familyMediation, .shelter, .food, .livelihoods, .birthRegistration,
                                           .familyReunification, .other]
            for c in cases {
                guard let created = (c["created_at"] as String?).flatMap(ISO8601.parse) else { continue }
                let registered = LocalDate(created, in: tz)
                for _ in 0..<r.pick([0, 0, 1, 1, 1, 2, 3]) {
                    let service = r.pick(services)
                    let sent = min(today, registered.adding(days: r.below(31)))
                    let roll = r.below(100)
                    let status: ReferralStatus = roll < 20 ? .pending : roll < 40 ? .accepted : roll < 55 ? .declined : roll < 90 ? .completed : .withdrawn
                    let answered = status == .pending ? nil : min(today, sent.adding(days: r.below(21)))
                    try insert.execute(arguments: [r.uuid().uuidString, c["id"] as String, providers[service], device, nowText, nowText,
                                                   service.rawValue, "Fictional reason: \(r.pick(fragments)).", r.chance(0.2), status.rawValue,
                                                   sent.iso, answered?.iso])
                    written += 1
                }
            }
        }
        return written
    }

    /// Writes one line per case — number, name, caregiver, village and the report's words, tab-separated —
    /// to `path`, for the `fzf --filter` comparison. Streams: memory does not grow with the archive.
    /// - Returns: the number of lines.
    @discardableResult
    public static func exportSearchLines(from store: KingaStore, to path: String) throws -> Int {
        _ = FileManager.default.createFile(atPath: path, contents: nil)
        guard let h = FileHandle(forWritingAtPath: path) else { throw StoreError.cannotOpen(path: path, reason: "cannot write") }
        defer { try? h.close() }
        var lines = 0
        var buffer = ""
        try store.upkeepRead { db in
            let rows = try Row.fetchCursor(db, sql: """
                SELECT case_number, child_name, caregiver, village,
                       coalesce(json_extract(report_json, '$.narrative'), '') || ' ' || coalesce(json_extract(report_json, '$.whereHappened'), '') AS words
                FROM case_record ORDER BY number_year DESC, number_serial DESC
                """)
            while let row = try rows.next() {
                let words = (row["words"] as String).replacingOccurrences(of: "\n", with: " ").replacingOccurrences(of: "\t", with: " ")
                buffer += "\(row["case_number"] as String)\t\(row["child_name"] as String)\t\(row["caregiver"] as String)\t\(row["village"] as String)\t\(words)\n"
                lines += 1
                if buffer.utf8.count > 1 << 20 { h.write(Data(buffer.utf8)); buffer = "" }
            }
        }
        h.write(Data(buffer.utf8))
        return lines
    }
}
