// swift-tools-version:6.0
import PackageDescription

let package = Package(
    name: "mtrec",
    products: [
        .executable(name: "mtrec", targets: ["mtrec"]),
        .executable(name: "mtrec-bench", targets: ["mtrec-bench"]),
        .library(name: "RecommenderStages", targets: ["RecommenderStages"]),
        .library(name: "Orchestrator", targets: ["Orchestrator"]),
        .library(name: "MultiTaskLearning", targets: ["MultiTaskLearning"]),
    ],
    dependencies: [
        .package(url: "https://github.com/jpsim/Yams.git", from: "6.2.2"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-crypto.git", from: "3.12.3"),
        .package(url: "https://github.com/groue/GRDB.swift.git", from: "7.10.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1"),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
    ],
    targets: [
        .target(name: "CSpawnSupport"),
        .systemLibrary(
            name: "COpenBLAS",
            pkgConfig: "openblas",
            providers: [.apt(["libopenblas-dev"])]
        ),
        .systemLibrary(
            name: "CZlib",
            pkgConfig: "zlib",
            providers: [.apt(["zlib1g-dev"])]
        ),
        .target(
            name: "MultiTaskLearning",
            dependencies: ["COpenBLAS"]
        ),
        .target(
            name: "Orchestrator",
            dependencies: [
                "CSpawnSupport",
                .product(name: "Yams", package: "Yams"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "GRDB", package: "GRDB.swift"),
            ]
        ),
        .target(
            name: "RecommenderStages",
            dependencies: [
                "CZlib",
                "Orchestrator",
                "MultiTaskLearning",
                .product(name: "Crypto", package: "swift-crypto"),
            ]
        ),
        .target(
            name: "Reporting",
            dependencies: ["Orchestrator"]
        ),
        .target(
            name: "OnlineServer",
            dependencies: [
                "RecommenderStages",
                "Orchestrator",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        .executableTarget(
            name: "mtrec",
            dependencies: [
                "MultiTaskLearning",
                "OnlineServer",
                "RecommenderStages",
                "Orchestrator",
                "Reporting",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .executableTarget(
            name: "mtrec-bench",
            dependencies: [
                "MultiTaskLearning",
                "Orchestrator",
                "RecommenderStages",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .testTarget(
            name: "OrchestratorTests",
            dependencies: ["Orchestrator", .product(name: "GRDB", package: "GRDB.swift"), .product(name: "Yams", package: "Yams")]
        ),
        .testTarget(
            name: "MultiTaskLearningTests",
            dependencies: ["MultiTaskLearning"],
            exclude: ["Fixtures"]
        ),
        .testTarget(
            name: "RecommenderStagesTests",
            dependencies: ["RecommenderStages"]
        ),
        .testTarget(
            name: "ReportingTests",
            dependencies: ["Reporting", "Orchestrator"]
        ),
        .testTarget(
            name: "EndToEndTests",
            dependencies: ["mtrec", "Orchestrator", "RecommenderStages"],
            exclude: ["Fixtures"]
        ),
    ]
)
