// swift-tools-version:6.0
import PackageDescription

// The tools are thin executables over three layered libraries (AWSCore ← SandboxRelease ←
// ToolSupport); `make build` checks that no target imports what it does not depend on. The
// system libraries come in through module maps (libjq ships no pkg-config file, so CJQ links it by name).
let tools = [
    "aws-sign-request", "cfn-deploy", "keypair", "security-group", "tag-assets", "list-assets", "purge-assets",
    "ami-export", "start-release", "preflight",
]

let package = Package(
    name: "sandbox-release",
    platforms: [.macOS(.v13)],
    products: tools.map { .executable(name: $0, targets: [$0]) },
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0")
    ],
    targets: [
        .systemLibrary(
            name: "CCurl", pkgConfig: "libcurl",
            providers: [.apt(["libcurl4-openssl-dev"])]),
        .systemLibrary(
            name: "CCrypto", pkgConfig: "libcrypto",
            providers: [.apt(["libssl-dev"])]),
        .systemLibrary(name: "CJQ", providers: [.apt(["libjq-dev"])]),
        // The transport: signing, HTTP, credentials and config, the protocols, JSON and XML.
        // Signal handling in C: the interrupt flag (a C11 atomic, set by the handler, read by
        // every thread) and the time and memory bound of a --filter.
        .target(name: "CSignals"),
        // The commit `--version` names, baked in by `make build` (Sources/CBuildInfo/build_info.c).
        .target(name: "CBuildInfo"),
        .target(name: "AWSCore", dependencies: ["CCurl", "CCrypto", "CSignals"]),
        // The release's domain: one service type per AWS API, the assets, the export run.
        .target(name: "SandboxRelease", dependencies: ["AWSCore"]),
        // The command-line conventions: option groups, stdin input, JSON output through libjq.
        .target(
            name: "ToolSupport",
            dependencies: [
                "AWSCore", "SandboxRelease", "CJQ", "CSignals", "CBuildInfo",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]),
        // What a test needs and may lack fails the test, unless ALLOW_SKIPS=1 (Tests/TestSupport).
        .target(name: "TestSupport", path: "Tests/TestSupport"),
        .testTarget(name: "AWSCoreTests", dependencies: ["AWSCore", "TestSupport"]),
        .testTarget(name: "SandboxReleaseTests", dependencies: ["AWSCore", "SandboxRelease"]),
        .testTarget(name: "ToolSupportTests", dependencies: ["AWSCore", "SandboxRelease", "ToolSupport"]),
        .testTarget(name: "IntegrationTests", dependencies: ["AWSCore", "SandboxRelease", "TestSupport"]),
    ]
        + tools.map {
            .executableTarget(
                name: $0,
                dependencies: [
                    "AWSCore", "SandboxRelease", "ToolSupport",
                    .product(name: "ArgumentParser", package: "swift-argument-parser"),
                ])
        },
    // The tools are single-threaded C-library callers; Swift 6's data-race checking of libc's
    // globals (stdout, stderr) buys nothing here.
    swiftLanguageModes: [.v5]
)
