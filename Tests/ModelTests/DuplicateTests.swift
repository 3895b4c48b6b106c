import Testing
@testable import Model

@Suite("Possible duplicates: similar names, same village or age")
struct DuplicateTests {
    @Test("similar names", arguments: [("José Ñúñez", "jose nunez", true), ("Chileshe", "Chilese", true), ("Sari W.", "Sari Wulandari", true),
                                       ("Amani", "Amina", false), ("Nyambura", "Nyambure", true), ("Budi", "Bima", false), ("", "", false), ("Mwila", "Mwansa", false)])
    func names(a: String, b: String, same: Bool) {
        #expect(DuplicateRule.namesSimilar(DuplicateRule.key(a), DuplicateRule.key(b)) == same)
    }

    @Test func needsVillageOrAge() {
        let n = DuplicateRule.key("Amani"), v = DuplicateRule.key("Kampung Fiksi")
        #expect(DuplicateRule.matches(name: n, village: v, age: 9, candidateName: n, candidateVillage: DuplicateRule.key("kampung fiksi"), candidateAge: 15))
        #expect(DuplicateRule.matches(name: n, village: v, age: 9, candidateName: n, candidateVillage: "elsewhere", candidateAge: 10))
        #expect(!DuplicateRule.matches(name: n, village: v, age: 9, candidateName: n, candidateVillage: "elsewhere", candidateAge: 15))
        #expect(!DuplicateRule.matches(name: n, village: v, age: 9, candidateName: DuplicateRule.key("Budi"), candidateVillage: v, candidateAge: 9))
    }

    @Test func editDistance() {
        #expect(DuplicateRule.editDistance("kitten", "sitting", limit: 5) == 3)
        #expect(DuplicateRule.editDistance("kitten", "sitting", limit: 1) == 2)
        #expect(DuplicateRule.editDistance("", "abc", limit: 5) == 3)
    }
}
