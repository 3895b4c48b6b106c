import CSV
import Figures
import Foundation
import Model
import Storage
import Vault

extension KingaStore {
    /// Writes every case the person logged in may see to `path`, oldest case number first, in batches of 500 so memory stays
    /// flat at any archive size. The file appears only when complete (written under a temporary name, then
    /// renamed); a cancelled or failed export leaves nothing at `path`. Readable only by Kinga's user.
    ///
    /// Every export, refused, cancelled or finished, is written to the audit log with its format, count and
    /// whether identifying fields were included.
    /// - Parameters:
    ///   - identifying: include names, contacts, dates of birth and the report's words. Narratives are
    ///     included only for roles that may read them (not administrators: issue #4's matrix).
    ///   - progress: called after every batch; return false to cancel.
    /// - Returns: the number of cases written.
    /// - Throws: `StoreError.accessDenied` (audited) when nobody is logged in (the command line logs in with
    ///   the PIN first); `CaseExport.Failure` (not allowed, cancelled, destination exists, cannot write),
    ///   database errors.
    @discardableResult
    public func exportCases(to path: String, format: CaseExport.Format, identifying: Bool,
                            progress: (CaseExport.Progress) -> Bool = { _ in true }) throws -> Int {
        let user = try exportingUser()
        let what = "\(format.rawValue), \(identifying ? "with identifying fields" : "pseudonymised")"
        guard user.can(.exportCases, demo: isDemo) else {
            try auditExport("export.cases.refused", detail: what)
            throw CaseExport.Failure.notAllowed(role: user.roleWords)
        }
        guard !FileManager.default.fileExists(atPath: path) else { throw CaseExport.Failure.exists(path) }
        // Issue #17: names and stories leave the kiosk only sealed to the district office.
        let district = identifying ? try districtKey() : nil
        if identifying && district == nil { throw CaseExport.Failure.noDistrictKey }
        let narratives = identifying && user.can(.viewNarrative, ownCase: false, demo: isDemo)
        let total = try exportCount()
        let started = DispatchTime.now().uptimeNanoseconds
        let tmp = path + ".part-\(getpid())"
        var done = 0
        do {
            let writer = try Self.ExportWriter(path: tmp, shownAs: path, format: format, identifying: identifying, sealedTo: district,
                                               header: CaseExport.About(exportedAt: ISO8601.format(clock.now), exportedBy: user.name, cases: total,
                                                                         identifying: identifying, narratives: narratives))
            defer { writer.close() }
            var after: (Int, Int) = (0, 0)
            while true {
                let batch = try exportBatch(after: after, limit: 500, identifying: identifying, narratives: narratives)
                guard let last = batch.last else { break }
                try writer.write(batch.lines)
                done += batch.lines.count
                after = last
                let p = CaseExport.Progress(done: done, total: max(total, done),
                                            elapsed: Double(DispatchTime.now().uptimeNanoseconds - started) / 1e9)
                if !progress(p) { throw CaseExport.Failure.cancelled(done: done) }
            }
            try writer.finish()
        } catch {
            try? FileManager.default.removeItem(atPath: tmp)
            if case CaseExport.Failure.cancelled = error {
                try? auditExport("export.cases.cancelled", detail: "\(what), after \(done) of \(total)")
                throw error
            }
            try? auditExport("export.cases.failed", detail: "\(what): \(error)")
            if error is CaseExport.Failure { throw error }
            throw CaseExport.Failure.cannotWrite(path, "\(error)")
        }
        try Self.publish(tmp, as: path)
        // Published only together with its audit entry: if the entry cannot be written, the file goes.
        do {
            try auditExport("export.cases", detail: "\(done) cases, \(what)\(identifying && !narratives ? " (narratives withheld)" : ""), to \(path)")
        } catch {
            try? FileManager.default.removeItem(atPath: path)
            throw CaseExport.Failure.cannotWrite(path, "the audit log could not record the export (\(error)); the file was removed")
        }
        return done
    }

    /// Gives the finished temporary file its name without ever writing over a file: a hard link where the file
    /// system has them, else (FAT and exFAT USB sticks) a rename after checking the name is free.
    static func publish(_ tmp: String, as path: String) throws {
        defer { try? FileManager.default.removeItem(atPath: tmp) }
        if link(tmp, path) == 0 { return }
        let why = errno
        if why == EEXIST { throw CaseExport.Failure.exists(path) }
        guard why == EPERM || why == ENOTSUP || why == EOPNOTSUPP || why == EXDEV || why == EMLINK else {
            throw CaseExport.Failure.cannotWrite(path, String(cString: strerror(why)))
        }
        guard !FileManager.default.fileExists(atPath: path) else { throw CaseExport.Failure.exists(path) }
        guard rename(tmp, path) == 0 else { throw CaseExport.Failure.cannotWrite(path, String(cString: strerror(errno))) }
    }

    /// Streams lines to a new file as CSV (RFC 4180 through `CSVWriter`, one writer per batch) or JSON (one
    /// case per line). Plain POSIX writes, so a full disk is an error that is thrown, never a silent short file.
    final class ExportWriter {
        private let fd: Int32
        private let path: String
        private let format: CaseExport.Format
        private let identifying: Bool
        private let encoder = JSONEncoder()
        private var first = true
        private var closed = false
        private var sealer: SealedFile.Writer?

        /// Creates `path` (it must not exist), readable only by Kinga's user, and writes the header.
        /// - Throws: `CaseExport.Failure.cannotWrite` when the file cannot be made or written.
        /// - Parameter shownAs: the file name to put in messages (the final name, not the temporary one).
        /// - Parameter sealedTo: the district office's key: every byte is sealed to it (`SealedFile`) before it
        ///   reaches the disk; nil writes plain text (pseudonymised exports).
        init(path: String, shownAs: String, format: CaseExport.Format, identifying: Bool, sealedTo district: DistrictPublicKey? = nil,
             header: CaseExport.About) throws {
            fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
            guard fd >= 0 else { throw CaseExport.Failure.cannotWrite(shownAs, String(cString: strerror(errno))) }
            self.path = shownAs
            self.format = format
            self.identifying = identifying
            if let district {
                let fd = self.fd
                sealer = try SealedFile.Writer(to: district) { data in try Self.writeAll(fd, data, shownAs: shownAs) }
            }
            encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
            switch format {
            case .json:
                // {"about":{…},"cases":[ … ]}: the header object first, then one case per line.
                try put(Data("{\"about\":".utf8) + (try encoder.encode(header)) + Data(",\"cases\":[\n".utf8))
            case .csv:
                try putCSV([CaseExport.columns + (identifying ? CaseExport.identifyingColumns : [])])
            }
        }

        deinit { close() }

        private func put(_ data: Data) throws {
            if let sealer { try sealer.append(data) } else { try Self.writeAll(fd, data, shownAs: path) }
        }

        private static func writeAll(_ fd: Int32, _ data: Data, shownAs path: String) throws {
            try data.withUnsafeBytes { raw in
                guard let base = raw.baseAddress else { return }
                var off = 0
                while off < raw.count {
                    let n = Foundation.write(fd, base + off, raw.count - off)
                    if n < 0 && errno == EINTR { continue }
                    guard n > 0 else { throw CaseExport.Failure.cannotWrite(path, String(cString: strerror(errno))) }
                    off += n
                }
            }
        }

        /// Rows as RFC 4180 text, each ended by CRLF.
        private func putCSV(_ rows: [[String]]) throws {
            let s = OutputStream(toMemory: ())
            s.open()
            let w = try CSVWriter(stream: s, newline: .crlf)
            for r in rows { try w.write(row: r) }
            s.close()
            try put((s.property(forKey: .dataWrittenToMemoryStreamKey) as? Data ?? Data()) + Data("\r\n".utf8))
        }

        func write(_ lines: [CaseExport.Line]) throws {
            switch format {
            case .json:
                var d = Data()
                for line in lines {
                    d += Data((first ? "" : ",\n").utf8) + (try encoder.encode(line))
                    first = false
                }
                try put(d)
            case .csv:
                try putCSV(lines.map { $0.csvRow(identifying: identifying).map(CSVCell.safe) })
            }
        }

        /// Ends the file (JSON: closes the array), makes it durable (fsync) and closes it.
        func finish() throws {
            if format == .json { try put(Data("\n]}\n".utf8)) }
            try sealer?.finish()
            guard fsync(fd) == 0 else { throw CaseExport.Failure.cannotWrite(path, String(cString: strerror(errno))) }
            close()
        }

        func close() {
            if !closed { _ = Foundation.close(fd); closed = true }
        }
    }
}
