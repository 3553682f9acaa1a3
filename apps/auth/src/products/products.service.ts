import { Inject, Injectable } from '@nestjs/common';
import {
  DomainError,
  ErrorCode,
  type CreateProductRequest,
  type ProductCreated,
  type ProductView,
  type UpdateProductRequest,
} from '@iot/contracts';
import type { Product } from '../generated/prisma/client';
import { newProductKey, newSecret } from '../secrets/identifiers';
import { SecretBox } from '../secrets/secret-box';
import { ProductRepository } from './product.repository';

@Injectable()
export class ProductsService {
  constructor(
    @Inject(ProductRepository) private readonly products: ProductRepository,
    @Inject(SecretBox) private readonly secrets: SecretBox,
  ) {}

  async create(request: CreateProductRequest): Promise<ProductCreated> {
    const name = request.name?.trim();
    if (!name || name.length > 64) throw invalid('name: 1 to 64 characters');
    if (request.nodeType !== undefined && request.nodeType !== 'device' && request.nodeType !== 'gateway') {
      throw invalid('nodeType: "device" or "gateway"');
    }
    const productSecret = newSecret();
    const product = await this.products.create({
      productKey: newProductKey(),
      name,
      nodeType: request.nodeType ?? 'device',
      dynamicRegistration: request.dynamicRegistration ?? false,
      secretCipher: this.secrets.seal(productSecret),
    });
    return { ...toProductView(product), productSecret };
  }

  async get(productKey: string): Promise<ProductView> {
    return toProductView(await this.require(productKey));
  }

  /** The product with its secret in clear, for signature checks inside apps/auth only. */
  async requireWithSecret(productKey: string): Promise<{ product: Product; secret: string }> {
    const product = await this.require(productKey);
    return { product, secret: this.secrets.open(product.secretCipher) };
  }

  async update(request: UpdateProductRequest): Promise<ProductView> {
    const name = request.name?.trim();
    if (request.name !== undefined && (!name || name.length > 64)) throw invalid('name: 1 to 64 characters');
    const product = await this.products.update(request.productKey, {
      name,
      dynamicRegistration: request.dynamicRegistration,
    });
    if (!product) throw notFound(request.productKey);
    return toProductView(product);
  }

  async delete(productKey: string): Promise<{ deleted: true }> {
    const outcome = await this.products.deleteIfEmpty(productKey);
    if (outcome === 'not-found') throw notFound(productKey);
    if (outcome === 'not-empty') {
      throw new DomainError(ErrorCode.PRODUCT_NOT_EMPTY, `Product ${productKey} still has devices; delete them first`);
    }
    return { deleted: true };
  }

  async require(productKey: string): Promise<Product> {
    const product = await this.products.find(productKey);
    if (!product) throw notFound(productKey);
    return product;
  }
}

export function toProductView(p: Product): ProductView {
  return {
    productKey: p.productKey,
    name: p.name,
    nodeType: p.nodeType,
    dynamicRegistration: p.dynamicRegistration,
    createdAt: p.createdAt.toISOString(),
  };
}

const invalid = (message: string) => new DomainError(ErrorCode.VALIDATION_FAILED, message);
const notFound = (productKey: string) =>
  new DomainError(ErrorCode.PRODUCT_NOT_FOUND, `Product ${productKey} not found`, { productKey });
