import { Injectable } from '@nestjs/common';
import { Algorithm, hash, verify } from '@node-rs/argon2';

/** OWASP's argon2id baseline (19 MiB, 2 passes, 1 lane): about 20-40 ms per hash on one core. */
const ARGON2ID = { algorithm: Algorithm.Argon2id, memoryCost: 19_456, timeCost: 2, parallelism: 1 };

@Injectable()
export class PasswordHasher {
  /**
   * Verifying a sign-in for an email nobody uses still runs one full argon2id verification against
   * this hash, so an unknown email and a wrong password take about the same time.
   */
  private readonly decoy: Promise<string> = hash(
    'decoy password that matches no account',
    ARGON2ID,
  );

  hash(password: string): Promise<string> {
    return hash(password, ARGON2ID);
  }

  async verify(passwordHash: string, password: string): Promise<boolean> {
    try {
      return await verify(passwordHash, password);
    } catch {
      // A malformed stored hash matches nothing; it must not turn a sign-in into a 500.
      return false;
    }
  }

  /** Spends the time of a real verification and answers false. */
  async verifyNothing(password: string): Promise<false> {
    await this.verify(await this.decoy, password);
    return false;
  }
}
