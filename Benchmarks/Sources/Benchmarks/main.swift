import AutoDiff
import Foundation

/// `swift run -c release autodiff-benchmarks [workload…] [--repeat N]`
let arguments = Array(CommandLine.arguments.dropFirst())
var repeats = 21
var workloads: [String] = []
var reportPath: String?
var i = 0
while i < arguments.count {
    switch arguments[i] {
    case "--repeat":
        i += 1
        guard i < arguments.count, let n = Int(arguments[i]), n > 0 else {
            printError("--repeat needs a positive whole number")
            exit(2)
        }
        repeats = n
    case "--report":
        i += 1
        guard i < arguments.count else {
            printError("--report needs a file name")
            exit(2)
        }
        reportPath = arguments[i]
    case "--export":
        i += 1
        guard i < arguments.count else {
            printError("--export needs a directory")
            exit(2)
        }
        do {
            try exportWorkloads(to: URL(fileURLWithPath: arguments[i]))
        } catch {
            printError("cannot export to \(arguments[i]): \(error)")
            exit(1)
        }
        exit(0)
    case "--growth-chain":   // internal: one size of the growth workload's chain, in a fresh process
        guard i + 1 < arguments.count, let nodes = Int(arguments[i + 1]), nodes > 1 else {
            printError("--growth-chain needs a node count")
            exit(2)
        }
        let (held, peak, forward, backward) = growthChain(nodes: nodes)
        print(held, peak, forward, backward)
        exit(0)
    case "--help", "-h":
        print("""
        usage: autodiff-benchmarks [scalar] [chain] [digits] [digits-seeds] [wide] [gemm] [memory] [cnn] [cnn-seeds]
                                   [names] [slow-paths] [growth] [distributed] [--repeat N]
               autodiff-benchmarks --export DIR   (data, initial weights and batch orders for Benchmarks/peers)

        --report FILE  also write the figures as JSON (for Benchmarks/peers/compare.py)

        scalar   micrograd's workload with scalar Variables: MLP(2, [16, 16, 1]) over 100 two-moons points,
                 SVM hinge loss + 1e-4·L2, one forward + backward step; ns per node and bytes per node.
        chain    y ← y·w + b for a million scalar nodes: the cost of one recorded operation.
        digits   the MLP 64-128-64-10 on the UCI digits, Adam, batch 32, 30 epochs: ms per epoch, test accuracy,
                 1 and 2 threads.
        digits-seeds  the same MLP from 16 seeds, without and with dropout 0.2: test accuracy mean, min, max.
        wide     an MLP 784-512-512-10 on random data, batch 128: ms per forward + backward + Adam step, 1 and 2 threads.
        gemm     Float32 matmul GFLOP/s for n = 64 … 1024, 1 and 2 threads.
        memory   peak resident memory over 10,000 digits training steps (flat after warm-up).
        slow-paths  paths once far slower than their plain counterpart (functional API, broadcast operands,
                 backward through sum and max, a leaf used twice), each beside it: the ratio.
        growth   how cost grows: an MLP width-width-width-10 step against width (64 … 2048, batch 32) and batch
                 (1 … 512, width 256), and a scalar chain's bytes and ns per node for 10³ … 10⁷ nodes, 1 thread.
        distributed  data parallelism over Open MPI: a digits epoch and a wide step with 1 process, then with 2
                 under mpirun (speed-up, efficiency), and allreduce bandwidth for 1–64 MiB.
        cnn      the CNN Conv(1→16,3)-Pool-Conv(16→32,3)-Pool-Dense(128→10) on the digits (as standardized images),
                 Adam 1e-3, batch 32, 30 epochs, 1 thread: ms per epoch, test accuracy, peak memory (flat).
        cnn-seeds  the same CNN from 8 seeds, without and with a BatchNorm after the first convolution: test accuracy
                 mean, min, max (the playground's chapter "Convolutions"; PyTorch's control:
                 peers/cnn_seeds_torch.py --data DIR, after --export DIR).
        names    an Embedding → LSTM(16, 64) → Dense character model of first names, Adam, batches of 32 names
                 of one length, 6 epochs: ms per epoch and validation loss (nats/char), 1 thread.
        """)
        exit(0)
    case let name where availableWorkloads.contains(name):
        workloads.append(name)
    default:
        printError("unknown argument '\(arguments[i])'; available workloads: \(availableWorkloads.joined(separator: ", "))")
        exit(2)
    }
    i += 1
}
if workloads.isEmpty { workloads = availableWorkloads }
for workload in workloads {
    switch workload {
    case "scalar": runScalarBenchmark(repeats: repeats)
    case "chain": runChainBenchmark(repeats: repeats)
    case "digits": runDigitsBenchmark()
    case "gemm": runGemmBenchmark(repeats: repeats)
    case "digits-seeds": runDigitsSeedsBenchmark()
    case "wide": runWideBenchmark(repeats: repeats)
    case "memory": runMemoryBenchmark()
    case "slow-paths": runSlowPathsBenchmark(repeats: repeats)
    case "distributed": runDistributedBenchmark(repeats: repeats)
    case "cnn": runCNNBenchmark()
    case "cnn-seeds": runCNNSeedsBenchmark()
    case "names": runNamesBenchmark()
    case "growth": runGrowthBenchmark(repeats: repeats)
    default: break
    }
}
if let reportPath { writeReport(to: reportPath) }
