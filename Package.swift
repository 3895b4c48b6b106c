// swift-tools-version:6.0
import PackageDescription

// Kinga: case management for community-based child protection, in the terminal.
// Dependency rule (see ../shared/DESIGN.md §1): kinga → TUI → Storage → Model; TUI → CNcurses, I18n → CGettextPO;
// Storage → I18n (the English words stored with each timeline entry);
// Storage → Vault → CSodium (database key, key slots); Storage → CSQLCipher (the encrypting SQLite, issue #17);
// SyntheticData → Storage (the benchmark's fictional archive; kinga-bench, kinga-reliability and tests only);
// kinga → Exports, TUI → Exports → Storage, Exports → Printing → CPango (printouts as PDF, case and statistics exports).
let package = Package(
    name: "Kinga",
    platforms: [.macOS(.v13)],
    products: [
        .executable(name: "kinga", targets: ["kinga"]),
        .executable(name: "kinga-bench", targets: ["kinga-bench"]),
        .executable(name: "kinga-reliability", targets: ["kinga-reliability"]),
        .executable(name: "kinga-server", targets: ["kinga-server"]),
    ],
    dependencies: [
        .package(url: "https://github.com/groue/GRDB.swift", exact: "7.10.0"),
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
        .package(url: "https://github.com/swift-server/async-http-client", from: "1.37.0"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
        .package(url: "https://github.com/x-sheep/swift-property-based", from: "2.0.1"),
        .package(url: "https://github.com/yaslab/CSV.swift", from: "2.5.2"),
        // The district server (issue #18) only: HTTPS, PostgreSQL, its certificate, its logs.
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
        .package(url: "https://github.com/vapor/postgres-nio", from: "1.33.2"),
        .package(url: "https://github.com/apple/swift-nio-ssl", from: "2.37.6"),
        .package(url: "https://github.com/apple/swift-certificates", from: "1.21.1"),
        .package(url: "https://github.com/apple/swift-crypto", from: "4.5.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-http-types", from: "1.8.0"),
        // The district link's bodies gzipped both ways (issue #19: a day's sync over 64 kbit/s), through zlib.
        .package(url: "https://github.com/adam-fowler/compress-nio", from: "1.5.0"),
        // The district server's shutdown, bounded (Hummingbird runs on it already).
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
    ],
    targets: [
        .systemLibrary(name: "CNcurses", path: "Modules/CNcurses"),
        .systemLibrary(name: "CSodium", path: "Modules/CSodium"),
        // pkgConfig: Debian's pangocairo without its -L (see Modules/CPango/kinga-pangocairo.pc and CSQLCipher below).
        .systemLibrary(name: "CPango", path: "Modules/CPango", pkgConfig: "\(Context.packageDirectory)/Modules/CPango/kinga-pangocairo.pc",
                       providers: [.apt(["libpango1.0-dev", "libcairo2-dev"])]),
        .target(name: "CGettextPO", path: "Modules/CGettextPO", linkerSettings: [.linkedLibrary("gettextpo")]),
        .target(name: "I18n", dependencies: ["CGettextPO"]),
        // The encrypting SQLite (issue #17): sqlite3_key/sqlite3_rekey for Swift. Its pkg-config file (given by absolute
        // path, read by SwiftPM only) puts .build-deps/sqlcipher (made by scripts/sqlcipher.sh, which the Makefile runs
        // first) at the head of the linker's search path and adds -lcrypto, so every binary that links Storage (hence
        // GRDB's `link "sqlite3"`) takes the static SQLCipher build, never Debian's libsqlite3.so. Plain linker
        // settings (-L as an unsafe flag) come last on the link line, after any pkg-config -L, and lost to the
        // -L/usr/lib/x86_64-linux-gnu that Debian's pangocairo.pc used to add (CPango now reads its own .pc without
        // it). If .build-deps/sqlcipher is missing, the link fails on sqlite3_key: no build is silently plaintext.
        .systemLibrary(name: "CSQLCipher", path: "Modules/CSQLCipher",
                       pkgConfig: "\(Context.packageDirectory)/Modules/CSQLCipher/kinga-sqlcipher.pc"),
        // Keys (issue #17): the database key in locked memory, users' PIN-wrapped key slots, the district recovery
        // slot. Only libsodium and Foundation; no home-made cryptography.
        .target(name: "Vault", dependencies: ["CSodium"]),
        .target(name: "Model"),
        // Printouts (issue #8): a document model rendered as plain text (Model) or as PDF through Pango and Cairo.
        .target(name: "Printing", dependencies: ["Model", "CPango"]),
        .target(
            name: "Storage",
            dependencies: [
                "Model", "CSodium", "I18n", "Vault", "CSQLCipher",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "Yams", package: "Yams"),
                .product(name: "CSV", package: "CSV.swift"),
            ]
        ),
        // The benchmark's fictional archive (issue #6), kept out of the production Storage target: it writes through
        // Storage's `package` door and reader, never through anything public. Used by kinga-bench, kinga-reliability
        // and StorageTests only.
        .target(
            name: "SyntheticData",
            dependencies: ["Storage", "Model", .product(name: "GRDB", package: "GRDB.swift")]
        ),
        // Printouts and exports (issue #8), out of Storage: case and statistics exports, referral slips and case
        // summaries as text and PDF. They read and record through Storage's public and `package` API (the SQL stays
        // in Storage) and write the files.
        .target(
            name: "Exports",
            dependencies: ["Storage", "Model", "Printing", "Vault", "Figures", .product(name: "CSV", package: "CSV.swift")]
        ),
        // Anonymised statistics as CSV and JSON files: on Model and a CSV writer only, so the kiosk and the district
        // server write the same files (issue #19, district statistics).
        .target(name: "Figures", dependencies: ["Model", .product(name: "CSV", package: "CSV.swift")]),
        .target(name: "TUI", dependencies: ["Model", "Storage", "Exports", "Figures", "I18n", "CNcurses"]),
        // The kiosk's end of the district link (issue #18): HTTPS with a pinned certificate, on Model's wire format.
        .target(
            name: "DistrictLink",
            dependencies: [
                "Model",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "NIOFoundationCompat", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "X509", package: "swift-certificates"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "CompressNIO", package: "compress-nio"),
            ]
        ),
        .executableTarget(
            name: "kinga",
            dependencies: [
                "TUI", "Storage", "Exports", "Figures", "Model", "Vault", "DistrictLink",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        // Shared by the benchmark, the reliability suite and the server's tests: timing, spawning, tmux, a throwaway
        // PostgreSQL, a throttling link.
        .target(name: "Harness"),
        // The benchmark harness (issue #6): `swift run -c release kinga-bench`.
        .executableTarget(
            name: "kinga-bench",
            dependencies: [
                "TUI", "Storage", "Model", "Harness", "I18n", "Vault", "SyntheticData", "DistrictLink", "KingaServer",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // The reliability suite (issue #7): `swift run kinga-reliability` (short) or `--long`.
        .executableTarget(
            name: "kinga-reliability",
            dependencies: [
                "Storage", "Model", "Harness", "SyntheticData", "Vault",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        // The district server (issue #18): its own room, on Model only (the wire format and the rules), never Storage
        // or TUI. HTTPS through Hummingbird and swift-nio-ssl, PostgreSQL through PostgresNIO.
        .target(
            name: "KingaServer",
            dependencies: [
                "Model",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdTLS", package: "hummingbird"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "X509", package: "swift-certificates"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "CompressNIO", package: "compress-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        .executableTarget(
            name: "kinga-server",
            dependencies: [
                "KingaServer", "Figures",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Yams", package: "Yams"),
            ]
        ),
        .testTarget(name: "ModelTests", dependencies: ["Model", .product(name: "PropertyBased", package: "swift-property-based")]),
        // The store every Storage and screen test opens: plaintext, or encrypted when KINGA_TESTS_ENCRYPTED=1 (issue #17).
        .target(name: "StoreTestSupport", dependencies: ["Storage", "Model", "Vault"], path: "Tests/StoreTestSupport"),
        .testTarget(name: "StorageTests", dependencies: ["Storage", "Model", "CSodium", "Printing", "Vault", "SyntheticData", "Exports", "Figures", "StoreTestSupport", .product(name: "CSV", package: "CSV.swift")]),
        .testTarget(name: "TUITests", dependencies: ["TUI", "Storage", "Exports", "Model", "I18n", "Printing", "StoreTestSupport", .product(name: "PropertyBased", package: "swift-property-based")],
                    exclude: ["Golden"]),
        .testTarget(name: "VaultTests", dependencies: ["Vault"]),
        .testTarget(name: "HarnessTests", dependencies: ["Harness"]),
        .testTarget(name: "EndToEndTests", dependencies: ["Harness", "Storage", "Vault", .product(name: "GRDB", package: "GRDB.swift")]),
        .testTarget(name: "ServerTests", dependencies: [
            "KingaServer", "Model", "DistrictLink", "Storage", "Vault", "Harness", "SyntheticData",
            .product(name: "HummingbirdTesting", package: "hummingbird"),
            .product(name: "Crypto", package: "swift-crypto"),
            .product(name: "PostgresNIO", package: "postgres-nio"),
            .product(name: "CompressNIO", package: "compress-nio"),
        ]),
    ]
)
