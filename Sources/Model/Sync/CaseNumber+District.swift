import Foundation

extension CaseNumber {
    /// The number under which the district keeps a case unique: the number itself when it carries a kiosk code,
    /// otherwise the same year and serial with the code of the kiosk that gave it (`origin`).
    ///
    /// Numbers given before enrolment stay as they are on screen and on paper (`KG-2026-0042`), yet two kiosks
    /// may both have given `KG-2026-0042`. Each kiosk's numbers are unique in its own database and each kiosk
    /// code is unique in the district, so (kiosk, year, serial) is unique by construction, provided the kiosk
    /// keeps counting from its last serial of the year after enrolment (Storage's `case_counter` is per year and
    /// never restarts): then `KG-2026-0042` given by K07 before enrolment and `KG-2026-K07-0042` can never both
    /// exist. A server's and a supervisor kiosk's UNIQUE constraint belongs on this key, not on the printed text.
    /// - Parameter origin: the kiosk that gave the number (for a case: the kiosk that created it).
    public func districtKey(origin: KioskCode) -> CaseNumber {
        CaseNumber(year: year, kiosk: kiosk ?? origin, serial: serial)
    }
}
