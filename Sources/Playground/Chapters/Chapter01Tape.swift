import NN

/// Chapter 1: operations recorded on the tape, and the chain rule applied backwards, step by step.
func tapeChapter(_ context: Context) throws {
    context.say("""
    Every operation on a Variable is recorded on a tape, in the order it runs. backward() walks the tape
    from the end to the start; at each node it multiplies the incoming gradient by the node's local
    derivative (the chain rule) and adds the result into the node's inputs.

    A small expression first: L = (a·b + c)·f with a = 2, b = −3, c = 10, f = −2.
    """)
    let a = Variable(2.0), b = Variable(-3.0), c = Variable(10.0), f = Variable(-2.0)
    let d = a * b
    let e = d + c
    let L = e * f
    for node in [d, e] { node.retainGrad() }
    context.say("  d = a·b   = \(d.scalar)")
    context.say("  e = d + c = \(e.scalar)")
    context.say("  L = e·f   = \(L.scalar)")
    L.backward()
    let dL = 1.0, de = f.scalar * dL, dd = de * 1
    context.say("""

    Backwards, node by node (local derivative × incoming gradient):
      ∂L/∂L = 1
      ∂L/∂e = ∂(e·f)/∂e × ∂L/∂L = f × 1        = \(de)      tape: \(e.grad!.scalar)
      ∂L/∂f = ∂(e·f)/∂f × ∂L/∂L = e × 1        = \(e.scalar * dL)       tape: \(f.grad!.scalar)
      ∂L/∂d = ∂(d+c)/∂d × ∂L/∂e = 1 × \(de)     = \(dd)      tape: \(d.grad!.scalar)
      ∂L/∂c = ∂(d+c)/∂c × ∂L/∂e = 1 × \(de)     = \(de)      tape: \(c.grad!.scalar)
      ∂L/∂a = ∂(a·b)/∂a × ∂L/∂d = b × \(dd)    = \(b.scalar * dd)       tape: \(a.grad!.scalar)
      ∂L/∂b = ∂(a·b)/∂b × ∂L/∂d = a × \(dd)     = \(a.scalar * dd)      tape: \(b.grad!.scalar)

    When a value is used twice its gradients add up (fan-out): for y = x·x + x at x = 3,
    ∂y/∂x = x + x + 1 = 7.
    """)
    let x = Variable(3.0)
    let y = x * x + x
    y.backward()
    context.say("  tape: ∂y/∂x = \(x.grad!.scalar)")

    context.say("""

    micrograd's published example, on the same tape (a = −4, b = 2):
    """)
    let ma = Variable(-4.0), mb = Variable(2.0)
    var mc = ma + mb
    var md = ma * mb + pow(mb, 3)
    mc = mc + mc + 1
    mc = mc + 1 + mc - ma
    md = md + md * 2 + relu(mb + ma)
    md = md + 3 * md + relu(mb - ma)
    let me = mc - md
    let mf = pow(me, 2)
    var mg = mf / 2
    mg = mg + 10 / mf
    mg.backward()
    context.say("  g = \(format(mg.scalar))   ∂g/∂a = \(format(ma.grad!.scalar))   ∂g/∂b = \(format(mb.grad!.scalar))")
    context.say("  (micrograd prints 24.7041, 138.8338 and 645.5773)")
}
