import { Inject, Injectable } from '@nestjs/common';
import {
  DomainError,
  ErrorCode,
  type ApiKeyCreated,
  type CreateApiKeyRequest,
  type VerifyApiKeyReply,
} from '@iot/contracts';
import { AUTH_DB, type AuthDb } from '../database/database.module';
import { newApiKey, newId, sha256Hex } from '../secrets/identifiers';

/** Applications' API keys. Only hashes are stored; a key is shown once, when created. */
@Injectable()
export class ApiKeysService {
  constructor(@Inject(AUTH_DB) private readonly db: AuthDb) {}

  async create(request: CreateApiKeyRequest): Promise<ApiKeyCreated> {
    const name = request.name?.trim();
    if (!name || name.length > 64) throw new DomainError(ErrorCode.VALIDATION_FAILED, 'name: 1 to 64 characters');
    const key = newApiKey();
    const row = await this.db.apiKey.create({ data: { id: newId(), name, keyHash: sha256Hex(key) } });
    return { id: row.id, name: row.name, key, createdAt: row.createdAt.toISOString() };
  }

  async verify(key: string): Promise<VerifyApiKeyReply> {
    if (typeof key !== 'string' || !key) return { valid: false };
    const row = await this.db.apiKey.findUnique({ where: { keyHash: sha256Hex(key) } });
    return row && !row.revokedAt ? { valid: true, name: row.name } : { valid: false };
  }
}
