import Testing
@testable import AWSCore

struct WaiterTests {
    @Test func pollsUntilDoneAndReturnsTheValue() throws {
        var polls = 0
        var waiter = Waiter("thing", timeout: 5, firstDelay: 0.001, maxDelay: 0.002)
        waiter.progress = false
        let value = try waiter.wait { () -> Waiter.Poll<String> in
            polls += 1
            return polls < 3 ? .pending("state \(polls)") : .done("ready")
        }
        #expect(value == "ready")
        #expect(polls == 3)
    }

    @Test func theDeadlineEndsTheWaitWithTheLastStateNamed() {
        var waiter = Waiter("image ami-1", timeout: 0.01, firstDelay: 0.002, maxDelay: 0.004)
        waiter.progress = false
        do {
            _ = try waiter.wait { () -> Waiter.Poll<Void> in .pending("pending") }
            Issue.record("the wait did not end")
        } catch let ToolError.remote(message) {
            #expect(message.contains("image ami-1") && message.contains("'pending'"), "\(message)")
        } catch {
            Issue.record("\(error)")
        }
    }

    @Test func transientErrorsOfThePollAreTriedAgainUntilTheDeadline() throws {
        var waiter = Waiter("stack s", timeout: 5, firstDelay: 0.001, maxDelay: 0.002)
        waiter.progress = false
        var polls = 0
        let value = try waiter.wait { () -> Waiter.Poll<Int> in
            polls += 1
            switch polls {
            case 1: throw ToolError.aws(AWSError(code: "Throttling", message: "Rate exceeded", status: 400))
            case 2: throw ToolError.aws(AWSError(code: "InternalError", message: "", status: 500))
            case 3: throw ToolError.connection("cloudformation: Server returned nothing")
            default: return .done(polls)
            }
        }
        #expect(value == 4)
        #expect(throws: ToolError.self) {
            try waiter.wait { () -> Waiter.Poll<Void> in
                throw ToolError.aws(AWSError(code: "ValidationError", message: "", status: 400))
            }
        }
        var short = Waiter("stack s", timeout: 0.01, firstDelay: 0.002, maxDelay: 0.004)
        short.progress = false
        #expect(throws: ToolError.self) {
            try short.wait { () -> Waiter.Poll<Void> in throw ToolError.connection("no answer") }
        }
    }

    @Test func anErrorOfThePollEndsTheWait() {
        struct Broken: Error {}
        let waiter = Waiter("x", timeout: 5, firstDelay: 0.001)
        var polls = 0
        #expect(throws: Broken.self) {
            try waiter.wait { () -> Waiter.Poll<Void> in
                polls += 1
                throw Broken()
            }
        }
        #expect(polls == 1)
    }
}
