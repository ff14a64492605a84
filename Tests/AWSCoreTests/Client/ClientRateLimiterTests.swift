import Testing
@testable import AWSCore

struct ClientRateLimiterTests {
    @Test func offUntilTheFirstThrottling() {
        let limiter = ClientRateLimiter(now: 0)
        for i in 0..<50 {
            #expect(limiter.delayBeforeSending(now: Double(i) / 100) == 0)
            limiter.record(throttled: false, now: Double(i) / 100)
        }
        #expect(!limiter.enabled)
    }

    @Test func throttlingCutsTheRateToSeventyPercentOfTheMeasuredOne() {
        let limiter = ClientRateLimiter(now: 0)
        // 10 answers per second for 3 s, then a throttling answer.
        for i in 0..<30 { limiter.record(throttled: false, now: Double(i) / 10) }
        let measured = limiter.measuredRate
        #expect(measured > 8 && measured < 12, "\(measured)")
        limiter.record(throttled: true, now: 3.0)
        #expect(limiter.enabled)
        #expect(abs(limiter.lastMaxRate - limiter.measuredRate) < 1e-9)
        #expect(abs(limiter.fillRate - limiter.lastMaxRate * 0.7) < 1e-9)
        // The bucket now spaces the requests: after the tokens it holds (at most one second's
        // worth), a burst waits one interval of the new rate longer per request.
        let delays = (0..<12).map { _ in limiter.delayBeforeSending(now: 3.0) }
        #expect(delays.filter { $0 == 0 }.count <= Int(limiter.fillRate.rounded(.up)), "\(delays)")
        #expect(abs(delays[11] - delays[10] - 1 / limiter.fillRate) < 1e-9, "\(delays)")
    }

    @Test func theCubicCurveRegainsTheLastRateAfterKSecondsAndProbesBeyond() {
        let lastMax = 10.0
        let k = cbrt(lastMax * (1 - 0.7) / 0.4)  // about 1.96 s
        #expect(abs(ClientRateLimiter.cubicRate(secondsSinceThrottle: 0, lastMaxRate: lastMax) - 7.0) < 1e-9)
        #expect(abs(ClientRateLimiter.cubicRate(secondsSinceThrottle: k, lastMaxRate: lastMax) - lastMax) < 1e-9)
        #expect(ClientRateLimiter.cubicRate(secondsSinceThrottle: 1, lastMaxRate: lastMax) < lastMax)
        #expect(ClientRateLimiter.cubicRate(secondsSinceThrottle: 4, lastMaxRate: lastMax) > lastMax)
    }

    @Test func theRateNeverFallsBelowHalfARequestPerSecondNorExceedsTwiceTheMeasuredOne() {
        let limiter = ClientRateLimiter(now: 0)
        limiter.record(throttled: true, now: 0.01)  // nothing measured yet: the floor
        #expect(limiter.fillRate == 0.5)
        for i in 1...20 { limiter.record(throttled: false, now: Double(i)) }  // 1 per second
        #expect(limiter.fillRate <= 2 * limiter.measuredRate + 1e-9)
    }

    @Test func onlyTheAdaptiveModeHasALimiter() throws {
        let env = [
            "AWS_REGION": "us-east-1", "AWS_ACCESS_KEY_ID": "AKID", "AWS_SECRET_ACCESS_KEY": "s",
            "HOME": "/nonexistent",
        ]
        #expect(try AWSClient(environment: env).rateLimiter == nil)
        let adaptive = try AWSClient(environment: env.merging(["AWS_RETRY_MODE": "adaptive"]) { $1 })
        #expect(adaptive.rateLimiter != nil)
        #expect(try AWSClient(sibling: adaptive).rateLimiter === adaptive.rateLimiter)
    }
}
