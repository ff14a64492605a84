import Testing
import TestSupport

/// Every integration test needs the running emulator and the built tools. Without them each
/// test fails with the reason (`.enabled(if:)` would skip all of them and pass), unless
/// ALLOW_SKIPS=1 asks for counted skips.
struct EmulatorRequired: SuiteTrait, TestTrait, TestScoping {
    var isRecursive: Bool { true }

    func provideScope(for test: Test, testCase: Test.Case?, performing function: @Sendable () async throws -> Void)
        async throws
    {
        guard TestPrecondition.met(Emulator.available, Emulator.unavailableReason) else { return }
        try await function()
    }
}

extension Trait where Self == EmulatorRequired {
    static var emulatorRequired: Self { EmulatorRequired() }
}
