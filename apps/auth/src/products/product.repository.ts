import { Inject, Injectable } from '@nestjs/common';
import { AUTH_DB, type AuthDb } from '../database/database.module';
import type { NodeType, Product } from '../generated/prisma/client';

@Injectable()
export class ProductRepository {
  constructor(@Inject(AUTH_DB) private readonly db: AuthDb) {}

  create(data: {
    productKey: string;
    name: string;
    nodeType: NodeType;
    dynamicRegistration: boolean;
    secretCipher: string;
  }): Promise<Product> {
    return this.db.product.create({ data });
  }

  find(productKey: string): Promise<Product | null> {
    return this.db.product.findUnique({ where: { productKey } });
  }

  async update(productKey: string, data: { name?: string; dynamicRegistration?: boolean }): Promise<Product | null> {
    const { count } = await this.db.product.updateMany({ where: { productKey }, data });
    return count === 0 ? null : this.find(productKey);
  }

  /** Deletes the product when it has no devices left; reports which of the two stopped it otherwise. */
  async deleteIfEmpty(productKey: string): Promise<'deleted' | 'not-found' | 'not-empty'> {
    return this.db.$transaction(async (tx) => {
      const product = await tx.product.findUnique({ where: { productKey }, select: { productKey: true } });
      if (!product) return 'not-found';
      if ((await tx.device.count({ where: { productKey } })) > 0) return 'not-empty';
      await tx.product.delete({ where: { productKey } });
      return 'deleted';
    });
  }
}
