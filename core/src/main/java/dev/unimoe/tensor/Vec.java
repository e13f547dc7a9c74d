package dev.unimoe.tensor;

import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorSpecies;

import java.nio.ByteOrder;

/**
 * Shared constants of the Vector API kernels. The kernels are written for 256-bit vectors
 * (AVX2): a float vector of 8 lanes, a short vector of 16, a 128-bit byte vector of 16 widened
 * to shorts. On hardware whose preferred vectors are narrower the 256-bit species are not
 * intrinsified and would be slower than scalar code, so {@link #ENABLED} turns them off
 * (as does {@code -Dunimoe.vector=false}, which tests use to check the scalar paths).
 *
 * <p>Style rules that keep C2 producing tight loops (each measured with KernelBench and by reading
 * the generated code): one hot loop per method with the Vector API calls written inline (a
 * helper holding vector code gets compiled on its own first, is then too big to inline, and every
 * vector gets boxed); loops of the form {@code for (i = 0; i < end; i += step)} over heap arrays,
 * so bounds checks are hoisted; the weight row copied from the segment into a {@link Scratch}
 * array first (long-offset segment accesses make C2 build a costly loop nest for its checks);
 * no {@code reduceLanes(ADD)} on floats (see {@link #sum}).
 */
final class Vec {
    private Vec() {}

    static final ByteOrder LE = ByteOrder.LITTLE_ENDIAN;

    static final VectorSpecies<Float> F = FloatVector.SPECIES_256;
    static final VectorSpecies<Integer> I = IntVector.SPECIES_256;
    static final VectorSpecies<Short> S = ShortVector.SPECIES_256;
    static final VectorSpecies<Short> S128 = ShortVector.SPECIES_128;
    static final VectorSpecies<Byte> B128 = ByteVector.SPECIES_128;
    static final VectorSpecies<Byte> B64 = ByteVector.SPECIES_64;

    static final boolean ENABLED = FloatVector.SPECIES_PREFERRED.vectorBitSize() >= 256
            && !"false".equalsIgnoreCase(System.getProperty("unimoe.vector", "true"));

    /**
     * Σ of the 8 lanes in a fixed order. {@code reduceLanes(ADD)} leaves the order unspecified and
     * the interpreter and the C2 intrinsic do differ, which would make a result depend on how hot
     * the code is; products must not (a batch must compute what single tokens compute).
     */
    static float sum(FloatVector v) {
        return ((v.lane(0) + v.lane(4)) + (v.lane(2) + v.lane(6))) + ((v.lane(1) + v.lane(5)) + (v.lane(3) + v.lane(7)));
    }

    /**
     * {@link #sum(FloatVector)} through a store to {@code tmp} (8 floats) and scalar adds in the
     * same order, so the same bits: for methods so large that C2 stops inlining {@code lane()},
     * whose out-of-line calls then cost more than the whole sum.
     */
    static float sum(FloatVector v, float[] tmp) {
        v.intoArray(tmp, 0);
        return ((tmp[0] + tmp[4]) + (tmp[2] + tmp[6])) + ((tmp[1] + tmp[5]) + (tmp[3] + tmp[7]));
    }

    /**
     * f16 bits (as an unsigned short) to float32: exact for every value, 256 KiB. Not for the
     * block scales of Q8_0/Q4_0 weights: real scales spread over enough of the table to miss L1,
     * and the intrinsic {@code Float.float16ToFloat} (one vcvtph2ps) measured 25% faster there.
     */
    static final float[] F16 = new float[65536];

    static {
        for (int i = 0; i < 65536; i++) F16[i] = Float.float16ToFloat((short) i);
    }
}
