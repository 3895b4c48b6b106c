import Foundation
import Testing
@testable import Harness

/// The district link's relay (issues #18, #19): bytes pass intact both ways, are counted, and a throttled link is
/// never faster than its rate.
@Suite("The link relay: counted, intact, throttled")
struct LinkProxyTests {
    /// An echo server on a free loopback port: reads one connection to its end, then sends it all back and closes.
    final class Echo: @unchecked Sendable {
        let port: Int
        let fd: Int32

        init() throws {
            let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            self.fd = fd
            var a = sockaddr_in()
            a.sin_family = sa_family_t(AF_INET)
            a.sin_addr = in_addr(s_addr: inet_addr("127.0.0.1"))
            var length = socklen_t(MemoryLayout<sockaddr_in>.size)
            let ok = withUnsafeMutablePointer(to: &a) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    bind(fd, $0, length) == 0 && listen(fd, 4) == 0 && getsockname(fd, $0, &length) == 0
                }
            }
            try #require(ok)
            port = Int(UInt16(bigEndian: a.sin_port))
            let listener = fd
            Thread {
                let c = accept(listener, nil, nil)
                guard c >= 0 else { return }
                let got = LinkProxyTests.readAll(c)
                _ = got.withUnsafeBytes { send(c, $0.baseAddress, got.count, Int32(MSG_NOSIGNAL)) }
                close(c)
            }.start()
        }

        deinit { shutdown(fd, Int32(SHUT_RDWR)); close(fd) }
    }

    static func readAll(_ fd: Int32) -> [UInt8] {
        var out: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            let n = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, 4096, 0) }
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else { return out }
            out += buffer[0..<n]
        }
    }

    /// Sends `payload` through the relay to the echo server and returns what came back.
    static func roundTrip(_ payload: [UInt8], port: Int) throws -> [UInt8] {
        let c = try #require(connectLoopback(port: port))
        defer { close(c) }
        var offset = 0
        while offset < payload.count {
            let w = payload.withUnsafeBytes { send(c, $0.baseAddress! + offset, payload.count - offset, Int32(MSG_NOSIGNAL)) }
            try #require(w > 0)
            offset += w
        }
        shutdown(c, Int32(SHUT_WR))
        return readAll(c)
    }

    @Test("every byte arrives unchanged and is counted each way")
    func relaysAndCounts() throws {
        let echo = try Echo()
        let proxy = try LinkProxy(upstreamPort: echo.port)
        defer { proxy.stop() }
        let payload = (0..<100_000).map { UInt8(truncatingIfNeeded: $0 &* 31) }
        #expect(try Self.roundTrip(payload, port: proxy.port) == payload)
        // The counts are updated before the bytes are handed on, so they are complete once the echo is back.
        #expect(proxy.counts().up == payload.count && proxy.counts().down == payload.count)
        proxy.resetCounts()
        #expect(proxy.counts().up == 0 && proxy.counts().down == 0)
    }

    @Test("held to 64 kbit/s, 4,000 bytes each way take at least about a second")
    func throttles() throws {
        let echo = try Echo()
        let proxy = try LinkProxy(upstreamPort: echo.port)
        defer { proxy.stop() }
        proxy.bitsPerSecond = 64_000
        let payload = [UInt8](repeating: 7, count: 4000)
        let t0 = monotonicNanos()
        #expect(try Self.roundTrip(payload, port: proxy.port) == payload)
        // 8,000 bytes a second each way; the first slice of each direction goes at once. A lower bound only: a busy
        // machine can only make it slower.
        let seconds = Double(monotonicNanos() - t0) / 1e9
        #expect(seconds >= 0.9, "\(seconds) s")
    }
}
