/// A deterministic random number generator: xoshiro256** seeded through SplitMix64.
///
/// The same seed gives the same numbers on every machine and every run: the algorithm uses only
/// 64-bit integer arithmetic (Blackman & Vigna, "Scrambled linear pseudorandom number generators", 2021,
/// <https://prng.di.unimi.it>).
///
/// ```swift
/// var rng = SeededGenerator(seed: 42)
/// let w = Tensor<Float>.randomNormal(shape: [64, 10], using: &rng)
/// ```
public struct SeededGenerator: RandomNumberGenerator, Sendable {
    @usableFromInline var state: (UInt64, UInt64, UInt64, UInt64)

    /// A generator whose sequence is fixed by `seed`.
    public init(seed: UInt64) {
        var s = seed
        func splitMix() -> UInt64 {
            s &+= 0x9E37_79B9_7F4A_7C15
            var z = s
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        state = (splitMix(), splitMix(), splitMix(), splitMix())
    }

    /// The next 64 random bits.
    @inlinable
    public mutating func next() -> UInt64 {
        let result = rotl(state.1 &* 5, 7) &* 9
        let t = state.1 << 17
        state.2 ^= state.0
        state.3 ^= state.1
        state.1 ^= state.2
        state.0 ^= state.3
        state.2 ^= t
        state.3 = rotl(state.3, 45)
        return result
    }

    @inlinable func rotl(_ x: UInt64, _ k: UInt64) -> UInt64 { (x << k) | (x >> (64 &- k)) }

    /// A uniform value in [0, 1) with 53 random bits.
    @inlinable
    public mutating func nextUniform() -> Double { Double(next() >> 11) * 0x1.0p-53 }

    /// A standard normal value (Box–Muller transform).
    @inlinable
    public mutating func nextNormal() -> Double {
        var u1 = nextUniform()
        while u1 <= 0 { u1 = nextUniform() }
        let u2 = nextUniform()
        return (-2 * Double.log(u1)).squareRoot() * Double.cos(2 * Double.pi * u2)
    }
}

/// The state behind the default generator of each thread.
final class RandomContext {
    var generator = SeededGenerator(seed: defaultRandomSeed)
}

/// The seed every thread's default generator starts from, so a program that never seeds is still reproducible.
public let defaultRandomSeed: UInt64 = 0x5EED

/// Runs `body` with the current thread's default generator seeded with `seed`, then restores the previous one.
///
/// Functions that draw random numbers without a `using:` generator draw from this default.
public func withRandomSeed<R>(_ seed: UInt64, _ body: () throws -> R) rethrows -> R {
    let context = ThreadContext.current.random
    let saved = context.generator
    context.generator = SeededGenerator(seed: seed)
    defer { context.generator = saved }
    return try body()
}

/// Calls `body` with the current thread's default generator.
public func withDefaultGenerator<R>(_ body: (inout SeededGenerator) throws -> R) rethrows -> R {
    let context = ThreadContext.current.random
    return try body(&context.generator)
}

extension Tensor where Scalar: TensorScalar {
    /// Values drawn from a normal distribution with the given mean and standard deviation.
    @inlinable
    public static func randomNormal(shape: [Int], mean: Scalar = 0, standardDeviation: Scalar = 1,
                                    using generator: inout SeededGenerator) -> Tensor {
        Tensor(shape: shape, unsafeUninitialized: { buf in
            for i in 0..<buf.count { buf[i] = mean + standardDeviation * Scalar(generator.nextNormal()) }
        })
    }

    /// Values drawn uniformly from `[lowerBound, upperBound)`.
    @inlinable
    public static func randomUniform(shape: [Int], lowerBound: Scalar = 0, upperBound: Scalar = 1,
                                     using generator: inout SeededGenerator) -> Tensor {
        Tensor(shape: shape, unsafeUninitialized: { buf in
            for i in 0..<buf.count {
                buf[i] = lowerBound + (upperBound - lowerBound) * Scalar(generator.nextUniform())
            }
        })
    }

    /// Normal values from the current thread's default generator (see ``withRandomSeed(_:_:)``).
    public static func randomNormal(shape: [Int], mean: Scalar = 0, standardDeviation: Scalar = 1) -> Tensor {
        withDefaultGenerator { randomNormal(shape: shape, mean: mean, standardDeviation: standardDeviation, using: &$0) }
    }

    /// Uniform values from the current thread's default generator (see ``withRandomSeed(_:_:)``).
    public static func randomUniform(shape: [Int], lowerBound: Scalar = 0, upperBound: Scalar = 1) -> Tensor {
        withDefaultGenerator { randomUniform(shape: shape, lowerBound: lowerBound, upperBound: upperBound, using: &$0) }
    }
}

extension Array {
    /// The elements in an order drawn from `generator` (Fisher–Yates, deterministic for a seed).
    ///
    /// Inlinable so that it is specialized for the element type (`fit` shuffles its sample indices every epoch).
    @inlinable
    public func shuffled(using generator: inout SeededGenerator) -> [Element] {
        var copy = self
        if copy.count < 2 { return copy }
        for i in stride(from: copy.count - 1, to: 0, by: -1) {
            let j = Int(generator.next() % UInt64(i + 1))
            copy.swapAt(i, j)
        }
        return copy
    }
}
