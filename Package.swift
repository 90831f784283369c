// swift-tools-version:6.0
import PackageDescription

// Dependencies are deliberately few: every one costs minutes on a 2-core CI build.
let package = Package(
    name: "tsvault",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "tsvault", targets: ["tsvault"]),
        .executable(name: "tsapi-sim", targets: ["tsapi-sim"]),
        .library(name: "TSAPISimulator", targets: ["TSAPISimulator"]),
        .library(name: "Remux", targets: ["Remux"]),
        .library(name: "TSAPI", targets: ["TSAPI"])
    ],
    dependencies: [
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1"),
        .package(url: "https://github.com/hummingbird-project/hummingbird-websocket.git", from: "2.8.1"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-crypto.git", from: "4.5.2"),
        // X.509 certificates of the clip-signing identity (Export File Format).
        .package(url: "https://github.com/apple/swift-certificates.git", from: "1.21.1"),
        .package(url: "https://github.com/apple/swift-asn1.git", from: "1.7.4"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        // Already in the graph through hummingbird-websocket; the client uses them directly.
        .package(url: "https://github.com/swift-server/async-http-client.git", from: "1.37.0"),
        .package(url: "https://github.com/hummingbird-project/swift-websocket.git", from: "1.6.2"),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.3"),  // its allocator SPI: PartMemory
        .package(url: "https://github.com/apple/swift-nio-ssl.git", from: "2.37.6"),
        .package(url: "https://github.com/apple/swift-http-types.git", from: "1.8.0"),
        .package(url: "https://github.com/groue/GRDB.swift.git", from: "7.10.0"),
        .package(url: "https://github.com/jpsim/Yams.git", from: "6.2.2"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        // Metrics through the ecosystem's API, exposed in Prometheus' format by the daemon.
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1")
    ],
    targets: [
        // The system FFmpeg libraries (libavformat/libavcodec/libavutil), plus a tiny header
        // of inline helpers for the macros Swift cannot import (AVERROR, AV_NOPTS_VALUE).
        .systemLibrary(
            name: "CFFmpeg",
            pkgConfig: "libavformat libavcodec libavutil",
            providers: [.apt(["libavformat-dev", "libavcodec-dev", "libavutil-dev"])]
        ),
        // The only module that calls FFmpeg: encoding the simulator's GOP library, muxing
        // MP4/Matroska files, and reading packets back.
        .target(
            name: "Remux",
            dependencies: [
                "CFFmpeg", "HexDigest", .product(name: "Crypto", package: "swift-crypto"), .product(name: "Logging", package: "swift-log")
            ]),
        // Lowercase hex of digests, shared so every module spells hashes the same way.
        .target(name: "HexDigest"),
        .target(
            name: "TSAPISimulator",
            dependencies: [
                "Remux",
                "HexDigest",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdWebSocket", package: "hummingbird-websocket"),
                .product(name: "HummingbirdCore", package: "hummingbird"),
                .product(name: "HummingbirdTLS", package: "hummingbird"),
                .product(name: "WSCore", package: "swift-websocket"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl")
            ]
        ),
        // The TS-API v1 client: REST calls, auth, the export socket driver and downloads.
        .target(
            name: "TSAPI",
            dependencies: [
                "HexDigest",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "WSClient", package: "swift-websocket"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "CoreMetrics", package: "swift-metrics")
            ]
        ),
        .systemLibrary(name: "CZstd", pkgConfig: "libzstd", providers: [.apt(["libzstd-dev"])]),
        // The archive: content-addressed blob store, SQLite index (GRDB), ingest and verify.
        .target(
            name: "Archive",
            dependencies: [
                "Remux",
                "HexDigest",
                "ObjectStore",
                "CZstd",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log")
            ]
        ),
        // Offsite backup rotation: targets, verified blob copies, index snapshots, restore. Reaches
        // the archive's store through its Backup SPI (blob files, store lock, index snapshots).
        .target(
            name: "Backup",
            dependencies: [
                "Archive",
                "ObjectStore",
                "HexDigest",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "Crypto", package: "swift-crypto")
            ]
        ),
        // Nightly archival runs: configuration, planner, runner, reports.
        .target(
            name: "Nightly",
            dependencies: [
                "TSAPI",
                "Archive",
                "ObjectStore",
                "Backup",
                .product(name: "Yams", package: "Yams"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                // The daemon's /metrics, /health, and the coverage page at /ui and /status.
                "CoverageReport",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "CoreMetrics", package: "swift-metrics")
            ]
        ),
        // Object storage: the backend protocol the archive's blobs and backups go through, a local
        // directory and an S3-compatible bucket (SigV4, multipart), retry and metrics wrappers.
        .target(
            name: "ObjectStore",
            dependencies: [
                "HexDigest", .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"), .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"), .product(name: "Logging", package: "swift-log"),
                .product(name: "CoreMetrics", package: "swift-metrics"), .product(name: "NIOSSL", package: "swift-nio-ssl")
            ]
        ),
        // The coverage picture as data (every minute's state and why) and as one self-contained
        // HTML page, for `coverage --html` and the daemon's /ui.
        .target(name: "CoverageReport", dependencies: ["Archive"]),
        // ONVIF Export File Format: fragmented MP4 clips written in one pass, sealed with a
        // signature over the whole file, and read back for verification.
        .target(name: "ExportFileFormat", dependencies: ["HexDigest", .product(name: "Crypto", package: "swift-crypto")]),
        // Evidence packages: clips, manifest, signature, verification.
        .target(
            name: "Evidence",
            dependencies: [
                "Archive", "Remux", "HexDigest", "ExportFileFormat", .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "_CryptoExtras", package: "swift-crypto"), .product(name: "X509", package: "swift-certificates"),
                .product(name: "SwiftASN1", package: "swift-asn1")
            ]
        ),
        .executableTarget(
            name: "tsapi-sim",
            dependencies: [
                "TSAPISimulator",
                "Remux",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log")
            ]
        ),
        .executableTarget(
            name: "tsvault",
            dependencies: [
                "TSAPI",
                "Archive",
                "Nightly",
                "Evidence",
                "Backup",
                "CoverageReport",
                "Remux",
                "ObjectStore",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "CoreMetrics", package: "swift-metrics")
            ]
        ),
        .testTarget(name: "RemuxTests", dependencies: ["Remux", "CFFmpeg", .product(name: "Crypto", package: "swift-crypto")]),
        .testTarget(
            name: "ObjectStoreTests",
            dependencies: [
                "ObjectStore", "TestSupport", .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio")
            ]
        ),
        .testTarget(
            name: "EvidenceTests",
            dependencies: [
                "Evidence", "ExportFileFormat", "Archive", "Remux", "TSAPI", "TSAPISimulator", "TestSupport",
                .product(name: "GRDB", package: "GRDB.swift")
            ]
        ),
        .testTarget(
            name: "NightlyTests",
            dependencies: [
                "Nightly", "Archive", "Backup", "TSAPI", "TSAPISimulator", "TestSupport",
                .product(name: "AsyncHTTPClient", package: "async-http-client"), .product(name: "Logging", package: "swift-log")
            ],
            exclude: ["Fixtures"]
        ),
        .testTarget(
            name: "ArchiveTests",
            dependencies: [
                "Archive", "Backup", "Remux", "TSAPI", "TSAPISimulator", "TestSupport", .product(name: "GRDB", package: "GRDB.swift")
            ]
        ),
        // Fixtures shared by the test targets: a live simulator with a connected client.
        .target(
            name: "TestSupport",
            dependencies: [
                "TSAPI", "TSAPISimulator", "Archive", "ObjectStore", "HexDigest",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"), .product(name: "Crypto", package: "swift-crypto")
            ]
        ),
        // The command line as a process: one file per command, output and exit status.
        .testTarget(
            name: "CLITests",
            dependencies: [
                "Nightly", "Archive", "CoverageReport", "TestSupport", "ObjectStore", "TSAPISimulator",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "GRDB", package: "GRDB.swift")
            ]
        ),
        .testTarget(
            name: "TSAPITests",
            dependencies: [
                "TSAPI", "TSAPISimulator", "Remux", "TestSupport", .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "Crypto", package: "swift-crypto"), "HexDigest"
            ]
        ),
        .testTarget(
            name: "TSAPISimulatorTests",
            dependencies: [
                "TSAPISimulator",
                "Remux",
                "TestSupport",
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "HummingbirdWSClient", package: "hummingbird-websocket"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio")
            ]
        )
    ]
)
