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
        private let lock = NSLock()
        private var got: Int?
        /// Bytes the echo read before its connection ended (nil until it has).
        var received: Int? { lock.withLock { got } }

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
            // The thread owns the listener and closes it once its one accept has returned; `deinit` only shuts it
            // down, and only while it is open (a closed number may be another test's socket by then).
            Thread { [self] in
                let c = accept(listener, nil, nil)
                lock.withLock { closed = true; close(listener) }
                guard c >= 0 else { return }
                let got = LinkProxyTests.readAll(c)
                lock.withLock { self.got = got.count }
                _ = got.withUnsafeBytes { send(c, $0.baseAddress, got.count, Int32(MSG_NOSIGNAL)) }
                close(c)
            }.start()
        }

        private var closed = false

        deinit { lock.withLock { if !closed { shutdown(fd, Int32(SHUT_RDWR)) } } }
    }

    static func readAll(_ fd: Int32) -> [UInt8] { readUntilEnd(fd).bytes }

    /// Reads `fd` until its end; returns the bytes and the errno that ended it (nil: an orderly end).
    static func readUntilEnd(_ fd: Int32) -> (bytes: [UInt8], error: Int32?) {
        var out: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            let n = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, 4096, 0) }
            if n < 0 && errno == EINTR { continue }
            if n < 0 { return (out, errno) }
            guard n > 0 else { return (out, nil) }
            out += buffer[0..<n]
        }
    }

    /// Sends `payload` through the relay as far as the link lets it, half-closes, and reads what comes back
    /// (with a receive timeout of `timeout` seconds, so a silent link ends with EAGAIN rather than never).
    static func exchange(_ payload: [UInt8], port: Int, timeout: Int = 20) throws -> (back: [UInt8], sent: Int, error: Int32?) {
        let c = try connectLoopback(port: port)
        defer { close(c) }
        var wait = timeval(tv_sec: timeout, tv_usec: 0)
        setsockopt(c, SOL_SOCKET, SO_RCVTIMEO, &wait, socklen_t(MemoryLayout<timeval>.size))
        setsockopt(c, SOL_SOCKET, SO_SNDTIMEO, &wait, socklen_t(MemoryLayout<timeval>.size))
        var offset = 0
        while offset < payload.count {
            let w = payload.withUnsafeBytes { send(c, $0.baseAddress! + offset, payload.count - offset, Int32(MSG_NOSIGNAL)) }
            if w < 0 && errno == EINTR { continue }
            guard w > 0 else { break }
            offset += w
        }
        shutdown(c, Int32(SHUT_WR))
        let r = readUntilEnd(c)
        return (r.bytes, offset, r.error)
    }

    /// Sends `payload` through the relay to the echo server and returns what came back.
    static func roundTrip(_ payload: [UInt8], port: Int) throws -> [UInt8] {
        let c = try connectLoopback(port: port)
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

    /// An echo server and a relay in front of it, under `fault`.
    static func relay(_ fault: LinkFault) throws -> (Echo, LinkProxy) {
        let echo = try Echo()
        let proxy = try LinkProxy(upstreamPort: echo.port)
        proxy.fault = fault
        return (echo, proxy)
    }

    @Test("every byte arrives unchanged and is counted each way")
    func relaysAndCounts() throws {
        let echo = try Echo()
        defer { withExtendedLifetime(echo) {} }
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
        defer { withExtendedLifetime(echo) {} }
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

    @Test("a dropped connection passes nothing and is counted as struck")
    func drops() throws {
        let (echo, proxy) = try Self.relay(.drop)
        defer { proxy.stop(); withExtendedLifetime(echo) {} }
        let r = try Self.exchange([UInt8](repeating: 1, count: 1000), port: proxy.port)
        #expect(r.back.isEmpty)
        #expect(proxy.faultsDone == 1)
        #expect(echo.received == nil)
        #expect(proxy.counts().up == 0)
    }

    @Test("cut on the way up: the server gets exactly the first K bytes, the kiosk nothing back")
    func cutsUp() throws {
        let (echo, proxy) = try Self.relay(.cutUp(after: 1000))
        defer { proxy.stop(); withExtendedLifetime(echo) {} }
        let r = try Self.exchange([UInt8](repeating: 2, count: 50_000), port: proxy.port)
        _ = try waitUntil("the echo to see its connection end", seconds: 20) { echo.received != nil }
        #expect(echo.received == 1000)
        #expect(r.back.isEmpty)
        _ = try waitUntil("the cut connection to be counted", seconds: 20) { proxy.faultsDone == 1 }
    }

    @Test("cut on the way down: the server got everything, the kiosk only the first K bytes of the answer")
    func cutsDown() throws {
        let (echo, proxy) = try Self.relay(.cutDown(after: 500))
        defer { proxy.stop(); withExtendedLifetime(echo) {} }
        let payload = (0..<20_000).map { UInt8(truncatingIfNeeded: $0) }
        let r = try Self.exchange(payload, port: proxy.port)
        #expect(echo.received == payload.count)
        #expect(r.back == Array(payload[0..<500]))
    }

    @Test("reset: both ends see the connection torn down after K bytes, not an orderly end")
    func resets() throws {
        let (echo, proxy) = try Self.relay(.reset(after: 100))
        defer { proxy.stop(); withExtendedLifetime(echo) {} }
        let r = try Self.exchange([UInt8](repeating: 3, count: 200_000), port: proxy.port)
        #expect(r.back.isEmpty)
        #expect(r.error == ECONNRESET || r.sent < 200_000, "sent \(r.sent), ended with errno \(String(describing: r.error))")
        _ = try waitUntil("the echo to see its connection end", seconds: 20) { echo.received != nil }
        #expect((echo.received ?? 0) <= 100)
    }

    @Test("half-open: after K bytes nothing more passes and nothing ends, until the kiosk gives up")
    func halfOpens() throws {
        let (echo, proxy) = try Self.relay(.halfOpen(after: 300, seconds: 3))
        defer { proxy.stop(); withExtendedLifetime(echo) {} }
        let r = try Self.exchange([UInt8](repeating: 4, count: 5000), port: proxy.port, timeout: 1)
        // The kiosk's read timed out on an open connection: no bytes, no end, no reset.
        #expect(r.back.isEmpty)
        #expect(r.error == EAGAIN || r.error == EWOULDBLOCK, "ended with errno \(String(describing: r.error))")
        // The echo never saw an end while the link was silent; once the link is let go, both ends are.
        #expect(echo.received == nil)
        _ = try waitUntil("the relay to let go of the half-open connection", seconds: 20) { proxy.openConnections == 0 }
        _ = try waitUntil("the echo to see its connection end", seconds: 20) { echo.received != nil }
        #expect((echo.received ?? 0) <= 300)
        #expect(proxy.faultsDone == 1)
    }

    @Test("a delayed link still carries every byte, later")
    func delays() throws {
        let (echo, proxy) = try Self.relay(.delay(milliseconds: 30))
        defer { proxy.stop(); withExtendedLifetime(echo) {} }
        let payload = (0..<3000).map { UInt8(truncatingIfNeeded: $0 &* 7) }
        #expect(try Self.exchange(payload, port: proxy.port).back == payload)
        _ = try waitUntil("the delayed connection to be counted", seconds: 20) { proxy.faultsDone == 1 }
    }
}
