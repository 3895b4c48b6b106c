import Foundation

/// A TCP relay on loopback between kiosks and the district server, for the district link's benchmarks and fault
/// runs (issues #18 and #19): it counts the bytes that cross it each way and can hold each direction to a bit rate
/// (a rural 64 kbit/s link), since `tc netem` is not available on these machines.
///
/// Clients connect to `127.0.0.1:port`; each connection gets its own connection to `127.0.0.1:upstreamPort` and
/// two pumps (kiosk → server, server → kiosk), each on a thread of its own. TLS passes through untouched, so the
/// bytes counted are what a real link would carry (TLS records, HTTP headers, bodies).
///
/// Throttling: each pump sends at most `bitsPerSecond / 8` bytes a second, in slices of a fiftieth of that, and
/// after each slice sleeps for the time that slice takes at the rate; time the link was idle earns no credit (no
/// burst after a pause, as on a real modem), and no latency is added. Changing the rate applies to the next
/// slice of every connection.
public final class LinkProxy: @unchecked Sendable {
    /// The port clients connect to.
    public let port: Int
    private let upstreamPort: Int
    private let listener: Int32
    private let lock = NSLock()
    private var rate: Int?
    private var up = 0, down = 0
    private var sockets: Set<Int32> = []
    private var stopped = false

    /// A relay or its socket could not be set up (the system call and its errno).
    public struct Failed: Error, CustomStringConvertible {
        public let description: String
    }

    /// Listens on a free loopback port and relays every connection to `127.0.0.1:upstreamPort`.
    /// - Throws: `Failed` when the listening socket cannot be made.
    public init(upstreamPort: Int) throws {
        self.upstreamPort = upstreamPort
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw Failed(description: "socket: errno \(errno)") }
        var yes: Int32 = 1
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &yes, socklen_t(MemoryLayout<Int32>.size))
        var address = Self.loopback(port: 0)
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard bound == 0, listen(fd, 64) == 0 else { close(fd); throw Failed(description: "bind/listen: errno \(errno)") }
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        listener = fd
        port = Int(UInt16(bigEndian: address.sin_port))
        let thread = Thread { [self] in acceptLoop() }
        thread.stackSize = 1 << 18
        thread.start()
    }

    /// The bit rate each direction is held to (64,000 for a 64 kbit/s link); nil: as fast as loopback goes.
    public var bitsPerSecond: Int? {
        get { lock.withLock { rate } }
        set { lock.withLock { rate = newValue.map { max(8, $0) } } }
    }

    /// Bytes relayed so far: kiosk → server (`up`) and server → kiosk (`down`).
    public func counts() -> (up: Int, down: Int) { lock.withLock { (up, down) } }

    /// Sets both counts back to zero.
    public func resetCounts() { lock.withLock { up = 0; down = 0 } }

    /// Stops listening and cuts every open connection. Safe to call twice.
    public func stop() {
        let open: [Int32] = lock.withLock {
            guard !stopped else { return [] }
            stopped = true
            return Array(sockets)
        }
        shutdown(listener, Int32(SHUT_RDWR))
        close(listener)
        for fd in open { shutdown(fd, Int32(SHUT_RDWR)) }
    }

    deinit { stop() }

    static func loopback(port: UInt16) -> sockaddr_in {
        var a = sockaddr_in()
        a.sin_family = sa_family_t(AF_INET)
        a.sin_port = port.bigEndian
        a.sin_addr = in_addr(s_addr: inet_addr("127.0.0.1"))
        return a
    }

    private func acceptLoop() {
        while true {
            let client = accept(listener, nil, nil)
            if client < 0 {
                if errno == EINTR { continue }
                return
            }
            let server = connectLoopback(port: upstreamPort) ?? -1
            let registered: Bool = lock.withLock {
                guard !stopped, server >= 0 else { return false }
                sockets.insert(client)
                sockets.insert(server)
                return true
            }
            guard registered else {
                close(client)
                if server >= 0 { close(server) }
                continue
            }
            let done = DispatchGroup()
            for (from, to, upward) in [(client, server, true), (server, client, false)] {
                done.enter()
                let t = Thread { [self] in pump(from: from, to: to, upward: upward); done.leave() }
                t.stackSize = 1 << 18
                t.start()
            }
            let closer = Thread { [self] in
                done.wait()
                lock.withLock { sockets.remove(client); sockets.remove(server) }
                close(client)
                close(server)
            }
            closer.stackSize = 1 << 16
            closer.start()
        }
    }

    /// Copies `from` to `to` until `from` ends, counting and throttling; then half-closes `to`.
    private func pump(from: Int32, to: Int32, upward: Bool) {
        var buffer = [UInt8](repeating: 0, count: 16_384)
        // The earliest instant the next bytes may go: a link that was idle earns no credit for the time it was.
        var next = monotonicNanos()
        loop: while true {
            let limit = bitsPerSecond
            let slice = limit.map { max(1, min(buffer.count, $0 / 8 / 50)) } ?? buffer.count
            let n = buffer.withUnsafeMutableBytes { recv(from, $0.baseAddress, slice, 0) }
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else { break }
            // Counted before it is handed on: once the other side has the bytes, the counts include them.
            lock.withLock { if upward { up += n } else { down += n } }
            var offset = 0
            while offset < n {
                let w = buffer.withUnsafeBytes { send(to, $0.baseAddress! + offset, n - offset, Int32(MSG_NOSIGNAL)) }
                if w < 0 && errno == EINTR { continue }
                guard w > 0 else { break loop }
                offset += w
            }
            if let limit {
                next = max(next, monotonicNanos()) + UInt64(Double(n) * 8 / Double(limit) * 1e9)
                let now = monotonicNanos()
                if next > now { usleep(useconds_t(min(Double(next - now) / 1000, 5_000_000))) }
            }
        }
        shutdown(to, Int32(SHUT_WR))
    }
}

/// A TCP connection to `127.0.0.1:port`: the connected socket (the caller closes it), or nil when nothing accepts
/// there.
public func connectLoopback(port: Int) -> Int32? {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    guard fd >= 0 else { return nil }
    var address = LinkProxy.loopback(port: UInt16(port))
    let connected = withUnsafePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
    } == 0
    if !connected { close(fd) }
    return connected ? fd : nil
}
