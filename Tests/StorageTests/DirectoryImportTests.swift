import Foundation
import Testing
@testable import Model
@testable import Storage
import StoreTestSupport

@Suite("Service directory import from CSV (issue #8)")
struct DirectoryImportTests {
    let file = """
        Name,Services,Area,Contact,Hours,Notes\r
        "Klinik Sehat, Unit Anak",health;psychosocial,Kampung Fiksi,0800-000-111,Mon–Fri 8–16,"Ask for the child desk.\nSecond line."\r
        Police Child Desk,police,Kasama,999,24 hours,\r
        ,legal,Kasama,,,\r
        Rumah Aman,shelter|food,Kampung Fiksi,,,\r
        Unknown Service Office,astrology,Kasama,,,\r
        "KLINIK SEHAT, UNIT ANAK",health,kampung fiksi,,,\r
        Short row,health\r
        مركز الحماية,social welfare,Kasama,,,\r
        """

    @Test("a preview accepts good rows and names every rejected one with its line and reason")
    func preview() throws {
        let p = try DirectoryImport.preview(file, existing: [])
        #expect(p.accepted.map(\.name) == ["Klinik Sehat, Unit Anak", "Police Child Desk", "Rumah Aman", "مركز الحماية"])
        #expect(p.accepted[0].services == [.health, .psychosocial])
        #expect(p.accepted[0].notes == "Ask for the child desk.\nSecond line.")
        #expect(p.accepted[2].services == [.shelter, .food])
        #expect(p.accepted[3].services == [.socialWelfare])
        #expect(p.rejected.map(\.line) == [4, 6, 7, 8])
        #expect(p.rejected.map(\.reason) == ["no name", "unknown service: astrology", "already in the directory (same name and area)",
                                             "has 2 fields, the header has 6"])
    }

    @Test("rows already in the directory are rejected; importing adds the rest, audited")
    func importAgainstExisting() throws {
        let dir = TempDir()
        var store = try KingaStore(test: dir.path + "/k.sqlite", clock: pinned)
        store = try store.acting(try store.addTestUser(name: "Admin Fiktif", roles: [.administrator], pin: "580214"))
        try store.saveProvider(ServiceProvider(name: "Police Child Desk", services: [.police], area: "KASAMA", contact: "", hours: "", notes: ""))
        let p = try DirectoryImport.preview(file, existing: try store.providers())
        #expect(!p.accepted.contains { $0.name == "Police Child Desk" })
        #expect(try store.importProviders(p) == 3)
        #expect(try store.providers().count == 4)
        // A second import of the same file adds nothing.
        #expect(try DirectoryImport.preview(file, existing: try store.providers()).accepted.isEmpty)
    }

    @Test("a file without the needed columns is refused as a whole, plainly")
    func missingColumns() {
        #expect(throws: DirectoryImport.ImportError.self) { try DirectoryImport.preview("Provider,Phone\nA,1\n", existing: []) }
        do {
            _ = try DirectoryImport.preview("Provider,Phone\nA,1\n", existing: [])
        } catch {
            #expect("\(error)".contains("missing: name, services"))
        }
    }
}
