import { Global, Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { PolicyVersion } from './policy.entity';
import { PolicyService } from './policy.service';

@Global()
@Module({
  imports: [TypeOrmModule.forFeature([PolicyVersion])],
  providers: [PolicyService],
  exports: [PolicyService],
})
export class PolicyModule {}
