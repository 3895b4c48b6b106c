import Foundation
import GRDB
import Model

// The service directory: providers a case can be referred to.
extension KingaStore {
    // MARK: - Service directory

    /// Adds or updates a provider (matched by id), as the person logged in.
    /// - Returns: the provider as saved (names cleaned, version incremented).
    /// - Throws: `StoreError.accessDenied` (audited) when nobody is logged in or they may not change the
    ///   directory; `CycleError.required` for a missing name or service; database errors.
    @discardableResult
    public func saveProvider(_ p: ServiceProvider) throws -> ServiceProvider {
        let me = try sessionUser("directory.save")
        if !me.can(.manageDirectory, demo: isDemo) {
            try auditAlone(actor: me.name, action: "access.denied", detail: "directory.save")
            throw StoreError.accessDenied
        }
        let name = TextSafety.clean(p.name, multiline: false).trimmingCharacters(in: .whitespaces)
        guard !name.isEmpty else { throw CycleError.required("name") }
        guard !p.services.isEmpty else { throw CycleError.required("service") }
        let now = ISO8601.format(clock.now)
        var saved = p
        saved.name = name
        saved.area = TextSafety.clean(p.area, multiline: false)
        saved.contact = TextSafety.clean(p.contact, multiline: false)
        saved.hours = TextSafety.clean(p.hours, multiline: false)
        saved.notes = TextSafety.clean(p.notes, multiline: true)
        saved.version = p.version + 1
        let services = try Self.encode(p.services.map(\.rawValue))
        try door { db in
            try db.execute(sql: """
                INSERT INTO service_provider(id, device_id, version, created_at, updated_at, name, service_types, area, contact, hours, notes, retired)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                ON CONFLICT(id) DO UPDATE SET version = version + 1, updated_at = excluded.updated_at, name = excluded.name,
                    service_types = excluded.service_types, area = excluded.area, contact = excluded.contact, hours = excluded.hours,
                    notes = excluded.notes, retired = excluded.retired
                """, arguments: [p.id.uuidString, deviceID.uuidString, saved.version, now, now, saved.name, services, saved.area,
                                 saved.contact, saved.hours, saved.notes, p.retired])
            try audit(db, actor: me.name, action: p.retired ? "directory.retire" : "directory.save", detail: saved.name)
        }
        return saved
    }

    /// Providers, by name; retired ones only when asked. `service` and `area` filter (area: case-insensitive part).
    public func providers(includeRetired: Bool = false, service: ServiceType? = nil, area: String? = nil) throws -> [ServiceProvider] {
        let all = try pool.read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM service_provider ORDER BY name COLLATE NOCASE, id").compactMap(Self.provider(from:))
        }
        let folded = area.map(TextSafety.fold)
        return all.filter { p in
            (includeRetired || !p.retired) && (service.map { p.services.contains($0) } ?? true)
                && (folded.map { $0.isEmpty || TextSafety.fold(p.area).contains($0) } ?? true)
        }
    }

    static func provider(from row: Row) -> ServiceProvider? {
        guard let id = UUID(uuidString: row["id"]) else { return nil }
        let types = ((try? decode([String].self, row["service_types"])) ?? []).compactMap(ServiceType.init(rawValue:))
        var p = ServiceProvider(id: id, version: row["version"], name: row["name"], services: types, area: row["area"],
                                contact: row["contact"], hours: row["hours"], notes: row["notes"], retired: row["retired"])
        p.deviceID = (row["device_id"] as String?).flatMap(UUID.init(uuidString:))
        p.createdAt = (row["created_at"] as String?).flatMap(ISO8601.parse)
        p.updatedAt = (row["updated_at"] as String?).flatMap(ISO8601.parse)
        return p
    }
}
