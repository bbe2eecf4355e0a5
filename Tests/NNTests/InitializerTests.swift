import Testing
import NN

@Suite("Initializers")
struct InitializerTests {
    func draw(_ initializer: Initializer, fans: (Int, Int) = (100, 50), seed: UInt64 = 1) -> Tensor<Float> {
        var rng = SeededGenerator(seed: seed)
        return initializer.tensor(shape: [200, 100], fans: fans, using: &rng)
    }

    func standardDeviation(_ t: Tensor<Float>) -> Float {
        let m = t.mean().scalar
        return ((t - m) * (t - m)).mean().scalar.squareRoot()
    }

    @Test("constant and uniform families stay inside their bounds")
    func bounds() {
        #expect(draw(.zeros).scalars.allSatisfy { $0 == 0 })
        #expect(draw(.constant(0.5)).scalars.allSatisfy { $0 == 0.5 })
        #expect(draw(.uniform(lower: -2, upper: 3)).scalars.allSatisfy { $0 >= -2 && $0 < 3 })
        let xavier = (6 / Float(150)).squareRoot(), he = (6 / Float(100)).squareRoot()
        #expect(draw(.xavierUniform).scalars.allSatisfy { abs($0) <= xavier })
        #expect(draw(.heUniform).scalars.allSatisfy { abs($0) <= he })
        #expect(draw(.pytorchDefault).scalars.allSatisfy { abs($0) <= 0.1 })
        #expect(draw(.xavierUniform).scalars.contains { abs($0) > 0.9 * xavier })
    }

    @Test("normal families have the prescribed spread")
    func spreads() {
        #expect(abs(standardDeviation(draw(.normal(mean: 1, standardDeviation: 0.5))) - 0.5) < 0.01)
        #expect(abs(standardDeviation(draw(.xavierNormal)) - (2 / Float(150)).squareRoot()) < 0.003)
        #expect(abs(standardDeviation(draw(.heNormal)) - (2 / Float(100)).squareRoot()) < 0.003)
    }

    @Test("the same generator seed gives the same weights")
    func seeded() {
        #expect(draw(.heNormal, seed: 4) == draw(.heNormal, seed: 4))
        #expect(draw(.heNormal, seed: 4) != draw(.heNormal, seed: 5))
    }
}
