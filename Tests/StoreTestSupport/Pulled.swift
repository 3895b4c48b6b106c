import Foundation
import Model

extension PushRequest {
    /// What a server applying this push as it is would send down to another kiosk, numbered from `first`: each
    /// change's patch or record, no conflicts (for tests of the kiosk's pull without a server).
    public func asPulled(first: Int) -> [ServerChange] {
        changes.enumerated().map { i, c in
            var patch: FieldPatch?, record: SyncRecord?
            switch c.body {
            case .patch(let p): patch = p
            case .record(let r): record = r
            case .resolution: break
            }
            return ServerChange(serverSeq: first + i, kiosk: kioskCode, kioskSeq: c.kioskSeq, actor: c.actor, patch: patch, record: record,
                                opened: [], resolved: [])
        }
    }
}
