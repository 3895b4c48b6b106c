import Foundation
import GRDB
import I18n
import Testing
@testable import Model
@testable import Storage
import StoreTestSupport

/// Timeline entries are data, put into words in the reader's language (issue 15 item 4, issue 16).
@Suite("Timeline entries as data: stored facts, the reader's language, old and unknown entries")
struct EventFactStoreTests {
    @Test("what an English-speaking focal point recorded reads in French for a French reader, and in English as stored")
    func readerLanguage() throws {
        let dir = TempDir()
        var store = try KingaStore(test: dir.path + "/k.sqlite", clock: pinned)
        store = try store.actAsTestSupervisor()
        let c = try store.registerCase(from: sampleReport(), draftID: UUID())
        try store.saveCasePlan(caseID: c.id, CasePlan(goals: [PlanGoal(what: "School fees", who: "", by: nil),
                                                             PlanGoal(what: "Visit", who: "", by: nil), PlanGoal(what: "Call", who: "", by: nil)],
                                                     childViews: "", caregiverViews: ""))
        let plan = try #require(try store.events(caseID: c.id, viewer: store.testViewer).last)
        #expect(plan.fact?.kind == .casePlan)
        #expect(plan.summary == "Case plan: 3 goals")                        // the stored English words
        let fr = try #require(Languages.shared.language(code: "fr"))
        let id = try #require(Languages.shared.language(code: "id"))
        #expect(plan.summary(in: LanguageWords(fr)) == "Plan d'aide : 3 objectifs")
        #expect(plan.summary(in: LanguageWords(id)) == "Rencana kasus: 3 tujuan")
        #expect(plan.body(in: LanguageWords(fr)).contains("• School fees — ?"))   // the person's own words stay as typed
    }

    @Test("an entry of a kind this version does not know is shown with its stored words, never dropped")
    func unknownKind() throws {
        let dir = TempDir()
        var store = try KingaStore(path: dir.path + "/k.sqlite", clock: pinned)
        store = try store.actAsTestSupervisor()
        let c = try store.registerCase(from: sampleReport(), draftID: UUID())
        try store.outsideKinga { db in
            try db.execute(sql: """
                INSERT INTO case_event(id, case_id, device_id, version, created_at, updated_at, occurred_at, kind, author, summary, body, fact, fact_args)
                VALUES (?, ?, ?, 1, '2026-03-02T10:00:00Z', '2026-03-02T10:00:00Z', '2026-03-02T10:00:00Z', 'school_visit', 'Focal Point One',
                        'School visit with the teacher', 'Written by a newer Kinga.', 'school.visit', '{"school":"SD Fiksi"}')
                """, arguments: [UUID().uuidString, c.id.uuidString, UUID().uuidString])
        }
        let events = try store.events(caseID: c.id, viewer: store.testViewer)
        #expect(events.count == 3)
        let e = try #require(events.last)
        #expect(e.kind == .other && e.fact == nil)
        let fr = LanguageWords(try #require(Languages.shared.language(code: "fr")))
        #expect(e.summary(in: fr) == "School visit with the teacher")
        #expect(e.body(in: fr) == "Written by a newer Kinga.")
        // Unreadable arguments of a known kind never crash: missing ones read as empty.
        #expect(EventFact(stored: "referral.sent", args: "not json")?.summary(fr, stored: "") == "Orientation vers ")
    }

    @Test("entries written before v13 get their kind from their English summary; unknown ones keep their words")
    func legacyEntries() throws {
        let dir = TempDir()
        var store = try KingaStore(path: dir.path + "/k.sqlite", clock: pinned)
        store = try store.actAsTestSupervisor()
        let c = try store.registerCase(from: sampleReport(), draftID: UUID())
        let old: [(kind: String, summary: String, body: String, author: String)] = [
            ("referral_sent", "Referral sent to Puskesmas Fiksi (consent override)", "To: Puskesmas Fiksi (health), URGENT.\nReason: pain", "a"),
            ("referral_updated", "Referral to Puskesmas Fiksi accepted", "Puskesmas Fiksi: pending → accepted.", "a"),
            ("case_plan", "Case plan: 1 goal", "• School", "a"),
            ("assessment", "Assessment: high risk (guide said medium)", "Guide suggested …", "a"),
            ("follow_up", "Follow-up visit: CHILD NOT SAFE · next 2026-03-09", "How: visit.", "a"),
            ("closed", "Case closed: goals met", "All done", "Sup Fiksi (approved)"),
            ("note", "Case summary printed", "Written to x.txt", "a"),
            ("note", "Referral slip printed for Puskesmas Fiksi", "Written to y.txt", "a"),
            ("note", "Visited the family", "Visited the family", "a"),
            ("consent_recorded", "A sentence no Kinga ever wrote", "kept", "a"),
        ]
        try store.outsideKinga { db in
            for o in old {
                try db.execute(sql: """
                    INSERT INTO case_event(id, case_id, device_id, version, created_at, updated_at, occurred_at, kind, author, summary, body)
                    VALUES (?, ?, ?, 1, '2026-03-01T10:00:00Z', '2026-03-01T10:00:00Z', '2026-03-01T10:00:00Z', ?, ?, ?, ?)
                    """, arguments: [UUID().uuidString, c.id.uuidString, UUID().uuidString, o.kind, o.author, o.summary, o.body])
            }
            try LegacyEvents.run(db)   // the body of migration v13
        }
        let events = try store.events(caseID: c.id, viewer: store.testViewer).filter { e in old.contains { $0.summary == e.summary } }
        #expect(events.count == old.count)
        let fr = LanguageWords(try #require(Languages.shared.language(code: "fr")))
        let shown = Dictionary(uniqueKeysWithValues: events.map { ($0.summary, $0.summary(in: fr)) })
        #expect(shown["Referral sent to Puskesmas Fiksi (consent override)"] == "Orientation vers Puskesmas Fiksi (consentement levé)")
        #expect(shown["Referral to Puskesmas Fiksi accepted"] == "Orientation Puskesmas Fiksi : accepté")
        #expect(shown["Case plan: 1 goal"] == "Plan d'aide : 1 objectif")
        #expect(shown["Assessment: high risk (guide said medium)"] == "Évaluation : risque élevé (le guide proposait moyen)")
        #expect(shown["Follow-up visit: CHILD NOT SAFE · next 2026-03-09"]?.hasPrefix("Suivi (visite) : ENFANT PAS EN SÉCURITÉ") == true)
        #expect(shown["Case closed: goals met"] == "Dossier clos : Objectifs du plan atteints et enfant en sécurité (accord de Sup Fiksi)")
        #expect(shown["Case summary printed"] == "Résumé du dossier imprimé")
        #expect(shown["Referral slip printed for Puskesmas Fiksi"] == "Fiche d'orientation imprimée pour Puskesmas Fiksi")
        #expect(shown["Visited the family"] == "Visited the family")               // a note: the person's own words
        #expect(shown["A sentence no Kinga ever wrote"] == "A sentence no Kinga ever wrote")
        // The old health referral is known as one (the case screen no longer reads the English body for it).
        #expect(events.first { $0.fact?.kind == .referralSent }?.fact?.args["service"] == "health")
        // An old entry's body is shown as it was written.
        #expect(events.first { $0.fact?.kind == .referralSent }?.body(in: fr) == "To: Puskesmas Fiksi (health), URGENT.\nReason: pain")
    }
}
